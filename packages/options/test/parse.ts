import t from 'tap';
import { defaultsOf, describeValue, optionName, parseOptions } from '../src/index.js';
import { fail, InvalidOptionError, LIB } from './fixtures/schema.js';

const id = { id: 'x' };

t.test('every failure names the option, says what it expects and what it got', async (t) => {
  const cases: [unknown, string, string][] = [
    [{ identity: id, rrl: { slip: 11 } }, 'rrl.slip', 'rrl.slip must be an integer 0..10, got 11'],
    [{ identity: id, rrl: { slip: 1.5 } }, 'rrl.slip', 'rrl.slip must be an integer 0..10, got 1.5'],
    [{ identity: id, rrl: 'x' }, 'rrl', 'rrl must be false or an object, got "x"'],
    [{ identity: id, rrl: true }, 'rrl', 'rrl must be false or an object, got true'],
    [{ identity: id, rrl: { rate: 0 } }, 'rrl.rate', 'rrl.rate must be an integer 1..1000 (responses/s), got 0'],
    [{ identity: id, port: '53' }, 'port', 'port must be an integer 0..65535, got "53"'],
    [{ identity: id, drainSeconds: -1 }, 'drainSeconds', 'drainSeconds must be a number 0..86400 (s), got -1'],
    [{ identity: id, drainSeconds: Number.NaN }, 'drainSeconds', 'drainSeconds must be a number 0..86400 (s), got NaN'],
    [{ identity: id, backend: 'x' }, 'backend', "backend must be one of 'auto', 'mmsg', 'node', got \"x\""],
    [{ identity: id, hideIdentity: 'yes' }, 'hideIdentity', 'hideIdentity must be true or false, got "yes"'],
    [{ identity: id, host: 'localhost' }, 'host', 'host must be an IPv4 or IPv6 address, got "localhost"'],
    [{ identity: id, version: '123456789' }, 'version', 'version must be a string of 1..8 bytes, got "123456789"'],
    [{ identity: id, version: '' }, 'version', 'version must be a string of 1..8 bytes, got ""'],
    [{}, 'identity', 'identity is required (an Identity)'],
    [{ identity: 3 }, 'identity', 'identity must be an Identity, got 3'],
    [{ identity: id, nope: 1 }, 'nope', 'nope is not a known option (known: identity, host, port, backend, drainSeconds, hideIdentity, metrics, version, workers, zone, rrl)'],
    [{ identity: id, rrl: { nope: 1 } }, 'rrl.nope', 'rrl.nope is not a known option (known: rate, slip)'],
    [{ identity: id, zone: {} }, 'zone.name', 'zone.name is required (a domain name)'],
    [{ identity: id, zone: { name: 'A B' } }, 'zone.name', 'zone.name must be a domain name, got "A B"'],
    [{ identity: id, zone: { name: 'a', ns: ['a', 3] } }, 'zone.ns[1]', 'zone.ns[1] must be a domain name, got 3'],
    [{ identity: id, zone: { name: 'a', ns: ['a', 'b', 'c', 'd'] } }, 'zone.ns', 'zone.ns must be a list of at most 3 items, each a domain name, got an array'],
    [{ identity: id, zone: { name: 'a', a: ['::1'] } }, 'zone.a[0]', 'zone.a[0] must be an IPv4 address, got "::1"'],
    [{ identity: id, zone: 'a' }, 'zone', 'zone must be an object, got "a"'],
    [5, 'options', 'options must be an object, got 5'],
    [null, 'options', 'options must be an object, got null'],
  ];
  for (const [input, option, message] of cases) {
    const err = t.throws(() => parseOptions(LIB, input, fail)) as unknown as InvalidOptionError;
    t.ok(err instanceof InvalidOptionError, 'the library\'s own error class');
    t.equal(err.option, option);
    t.equal(err.message, message);
  }
});

t.test('the root name in messages is the caller\'s', async (t) => {
  t.throws(() => parseOptions(LIB, 1, fail, 'config'), { option: 'config', message: 'config must be an object, got 1' });
});

t.test('describeValue and optionName', async (t) => {
  t.equal(describeValue('x'.repeat(50)), JSON.stringify(`${'x'.repeat(40)}...`));
  t.equal(describeValue(Buffer.alloc(3)), 'Buffer(3)');
  t.equal(describeValue([1]), 'an array');
  t.equal(describeValue({}), 'an object');
  t.equal(describeValue(() => 1), 'a function');
  t.equal(describeValue(undefined), 'undefined');
  t.equal(optionName(['zone', 'ns', 2]), 'zone.ns[2]');
  t.equal(optionName([]), '');
});

t.test('defaultsOf: the constant defaults as a plain object', async (t) => {
  t.same(defaultsOf(LIB), { host: '127.0.0.1', port: 8053, backend: 'auto', drainSeconds: 90, hideIdentity: false, metrics: true, version: 'v1', rrl: { rate: 200, slip: 2 } });
});

t.test('the failure kind: unknown key, required, out of range, anything else', async (t) => {
  const kinds: string[] = [];
  const record = (option: string, message: string, kind: string) => { kinds.push(kind); return new Error(`${option} ${message}`); };
  for (const input of [{ identity: id, nope: 1 }, {}, { identity: id, port: 70_000 }, { identity: id, port: 'x' }, { identity: id, rrl: { rate: 0 } }, { identity: id, zone: { name: 'a', ns: ['a', 'b', 'c', 'd'] } }]) {
    t.throws(() => parseOptions(LIB, input, record));
  }
  t.same(kinds, ['unknown', 'required', 'too-big', 'invalid', 'too-small', 'too-big']);
});
