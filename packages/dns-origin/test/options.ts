import t from 'tap';
import { createDnsOrigin, DEFAULTS, InvalidOptionError, resolveOptions } from '../src/index.js';
import { identity } from './fixtures/helpers.js';

t.test('defaults are one frozen object', async (t) => {
  t.ok(Object.isFrozen(DEFAULTS));
  t.ok(Object.isFrozen(DEFAULTS.rrl));
  t.ok(Object.isFrozen(DEFAULTS.tcp));
  t.ok(Object.isFrozen(DEFAULTS.zone.soa));
  const o = resolveOptions({ identity });
  t.match(o, {
    host: '127.0.0.1', port: 8053, workers: 1, udpBackend: 'auto', drainSeconds: 90, hideIdentity: false, hideVersion: false,
    zone: undefined, rrl: { responsesPerSecond: 200, windowSeconds: 15, slip: 2, ipv4PrefixLength: 24, ipv6PrefixLength: 56 },
    tcp: { idleTimeoutMs: 10_000, totalTimeoutMs: 60_000, maxConnections: 512, maxQueriesPerConnection: 1000 },
  });
  t.same(o.nsid, Buffer.from(identity.id));
  t.match(o.version, /^@anycast-origin\/dns-origin \d+\.\d+\.\d+/);
  t.equal(resolveOptions({ identity, rrl: false }).rrl, false);
  t.match(resolveOptions({ identity, zone: 'Example.NET.' }).zone, { name: 'example.net', ns: ['example.net'], ttl: 300, soa: { mname: 'example.net', rname: 'hostmaster.example.net' } });
});

t.test('every invalid option is rejected up front, naming the option', async (t) => {
  const bad: [Record<string, unknown>, string | RegExp][] = [
    [{}, /^identity is required/],
    [{ identity: { id: '' } }, /^identity /],
    [{ identity, nope: 1 }, /^nope is not a known option/],
    [{ identity, host: 'localhost' }, /^host must be an IPv4 or IPv6 literal/],
    [{ identity, port: 65_536 }, 'port must be an integer 0..65535, got 65536'],
    [{ identity, port: '53' }, 'port must be an integer 0..65535, got "53"'],
    [{ identity, workers: 0 }, /^workers must be an integer 1\.\.256/],
    [{ identity, udpBackend: 'fast' }, `udpBackend must be one of 'auto', 'mmsg', 'node', got "fast"`],
    [{ identity, udpBackend: true }, /^udpBackend must be one of/],
    [{ identity, drainSeconds: -1 }, /^drainSeconds must be/],
    [{ identity, hideIdentity: 'yes' }, /^hideIdentity must be a boolean/],
    [{ identity, version: '' }, /^version must be a string of 1\.\.255 bytes/],
    [{ identity, version: 'v'.repeat(256) }, /^version must be/],
    [{ identity, nsid: 7 }, /^nsid must be a string, a Buffer or false/],
    [{ identity, nsid: Buffer.alloc(256) }, /^nsid must be 1\.\.255 bytes/],
    [{ identity, rrl: true }, /^rrl must be false or an object/],
    [{ identity, rrl: { slip: 11 } }, 'rrl.slip must be an integer 0..10, got 11'],
    [{ identity, rrl: { rate: 5 } }, /^rrl\.rate is not a known option/],
    [{ identity, rrl: { ipv4PrefixLength: 33 } }, /^rrl\.ipv4PrefixLength must be an integer 0\.\.32/],
    [{ identity, rrl: { ipv6PrefixLength: 129 } }, /^rrl\.ipv6PrefixLength/],
    [{ identity, rrl: { responsesPerSecond: 0 } }, /^rrl\.responsesPerSecond/],
    [{ identity, rrl: { windowSeconds: 1.5 } }, /^rrl\.windowSeconds/],
    [{ identity, tcp: { idleTimeoutMs: 0 } }, /^tcp\.idleTimeoutMs/],
    [{ identity, tcp: { maxConnections: -1 } }, /^tcp\.maxConnections/],
    [{ identity, tcp: { keepalive: 1 } }, /^tcp\.keepalive is not a known option/],
    [{ identity, tcp: 5 }, /^tcp must be an object/],
    [{ identity, zone: 5 }, /^zone must be a domain name or/],
    [{ identity, zone: { name: 'bad..name' } }, /^zone\.name has an invalid label/],
    [{ identity, zone: { name: 'a.example', extra: 1 } }, /^zone\.extra is not a known option/],
    [{ identity, zone: { name: 'a.example', a: ['::1'] } }, /^zone\.a\[0\] must be an IPv4 address/],
    [{ identity, zone: { name: 'a.example', aaaa: ['1.2.3.4'] } }, /^zone\.aaaa\[0\] must be an IPv6 address/],
    [{ identity, zone: { name: 'a.example', ns: [] } }, /^zone\.ns must be an array of 1\.\.13 names/],
    [{ identity, zone: { name: 'a.example', soa: { serial: -1 } } }, /^zone\.soa\.serial must be an integer/],
    [{ identity, zone: { name: 'a.example', soa: { bogus: 1 } } }, /^zone\.soa\.bogus is not a known option/],
    [{ identity, zone: { name: 'a.example', ttl: 1.5 } }, /^zone\.ttl must be an integer/],
  ];
  for (const [opts, msg] of bad) {
    const err = t.throws(() => createDnsOrigin(opts as never), JSON.stringify(opts, (_k, v: unknown) => (v === identity ? '<identity>' : v))) as InvalidOptionError;
    t.ok(err instanceof InvalidOptionError);
    t.equal(err.code, 'DNS_ORIGIN_ERR_INVALID_OPTION');
    t.match(err.message, msg);
  }
  t.throws(() => createDnsOrigin(null as never), { code: 'DNS_ORIGIN_ERR_INVALID_OPTION' });
});

t.test('valid edge values are accepted', async (t) => {
  t.doesNotThrow(() => resolveOptions({ identity, host: '::1', port: 0, workers: 2, drainSeconds: 0.5, nsid: 'x', rrl: { slip: 0, ipv4PrefixLength: 0 } }));
  t.doesNotThrow(() => resolveOptions({ identity, zone: { name: 'example.net', a: ['192.0.2.1'], aaaa: ['2001:db8::1'], ns: ['ns1.example.net'], ttl: 0, soa: { serial: 4_294_967_295 } } }));
});
