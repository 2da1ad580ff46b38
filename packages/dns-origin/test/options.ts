import t from 'tap';
import { createDnsOrigin, DEFAULTS, InvalidOptionError, resolveOptions } from '../src/index.js';
import { identity } from './fixtures/helpers.js';

t.test('defaults are one frozen object', async (t) => {
  t.ok(Object.isFrozen(DEFAULTS));
  t.ok(Object.isFrozen(DEFAULTS.rrl));
  t.ok(Object.isFrozen(DEFAULTS.tcp));
  const o = resolveOptions({ identity });
  t.match(o, {
    host: '127.0.0.1', port: 8053, workers: 1, udpBackend: 'auto', drainSeconds: 40, hideIdentity: false, hideVersion: false,
    zone: undefined, rrl: { responsesPerSecond: 200, windowSeconds: 15, slip: 2, ipv4PrefixLength: 24, ipv6PrefixLength: 56 },
    tcp: { idleTimeoutMs: 10_000, totalTimeoutMs: 60_000, maxConnections: 512, maxQueriesPerConnection: 0 },
  });
  t.same(o.nsid, Buffer.from(identity.id));
  t.match(o.version, /^@anycast-origin\/dns-origin \d+\.\d+\.\d+/);
  t.equal(resolveOptions({ identity, rrl: false }).rrl, false);
  t.equal(resolveOptions({ identity, hideIdentity: true }).nsid, false, 'hideIdentity: no NSID (as NSD)');
  t.same(resolveOptions({ identity, hideIdentity: true, nsid: 'anycast' }).nsid, Buffer.from('anycast'), 'an explicit nsid is still answered');
  t.equal(resolveOptions({ identity, nsid: false }).nsid, false);
  t.match(resolveOptions({ identity, zone: { name: 'Example.NET.' } }).zone, { name: 'example.net', ns: ['example.net'], ttl: 300, soa: { mname: 'example.net', rname: 'hostmaster.example.net' } });
});

t.test('every invalid option is rejected up front, naming the option', async (t) => {
  const bad: [Record<string, unknown>, string | RegExp][] = [
    [{}, /^identity is required/],
    [{ identity: { id: '' } }, /^identity /],
    [{ identity, nope: 1 }, /^nope is not a known option/],
    [{ identity, host: 'localhost' }, 'host must be an IPv4 or IPv6 address, got "localhost"'],
    [{ identity, port: 65_536 }, 'port must be an integer 0..65535, got 65536'],
    [{ identity, port: '53' }, 'port must be an integer 0..65535, got "53"'],
    [{ identity, workers: 0 }, /^workers must be an integer 1\.\.256/],
    [{ identity, udpBackend: 'fast' }, `udpBackend must be one of 'auto', 'mmsg', 'node', got "fast"`],
    [{ identity, udpBackend: true }, /^udpBackend must be one of/],
    [{ identity, drainSeconds: -1 }, 'drainSeconds must be a number 0..86400 (s), got -1'],
    [{ identity, hideIdentity: 'yes' }, 'hideIdentity must be true or false, got "yes"'],
    [{ identity, version: '' }, /^version must be a string of 1\.\.255 bytes/],
    [{ identity, version: 'v'.repeat(256) }, /^version must be/],
    [{ identity, nsid: 7 }, 'nsid must be a string or Buffer of 1..255 bytes, or false, got 7'],
    [{ identity, nsid: Buffer.alloc(256) }, 'nsid must be a string or Buffer of 1..255 bytes, or false, got Buffer(256)'],
    [{ identity, nsid: '' }, /^nsid must be a string or Buffer of 1\.\.255 bytes/],
    [{ identity, rrl: true }, /^rrl must be false or an object/],
    [{ identity, rrl: { slip: 11 } }, 'rrl.slip must be an integer 0..10, got 11'],
    [{ identity, rrl: { rate: 5 } }, /^rrl\.rate is not a known option/],
    [{ identity, rrl: { ipv4PrefixLength: 33 } }, /^rrl\.ipv4PrefixLength must be an integer 0\.\.32/],
    [{ identity, rrl: { ipv6PrefixLength: 129 } }, /^rrl\.ipv6PrefixLength/],
    [{ identity, rrl: { responsesPerSecond: 0 } }, /^rrl\.responsesPerSecond/],
    [{ identity, rrl: { windowSeconds: 1.5 } }, /^rrl\.windowSeconds/],
    [{ identity, tcp: { idleTimeoutMs: 0 } }, /^tcp\.idleTimeoutMs/],
    [{ identity, tcp: { maxConnections: -1 } }, /^tcp\.maxConnections/],
    [{ identity, tcp: { maxQueriesPerConnection: -1 } }, 'tcp.maxQueriesPerConnection must be an integer 0..1000000, got -1'],
    [{ identity, tcp: { keepalive: 1 } }, /^tcp\.keepalive is not a known option/],
    [{ identity, tcp: 5 }, /^tcp must be an object/],
    [{ identity, zone: 5 }, 'zone must be an object, got 5'],
    [{ identity, zone: 'example.net' }, 'zone must be an object, got "example.net"'],
    [{ identity, zone: {} }, /^zone\.name is required \(a domain name/],
    [{ identity, zone: { name: 'bad..name' } }, /^zone\.name must be a domain name, got "bad\.\.name"$/],
    [{ identity, zone: { name: 'a.example', ns: ['ok', 'bad name'] } }, /^zone\.ns\[1\] must be a domain name/],
    [{ identity, zone: { name: 'a.example', extra: 1 } }, /^zone\.extra is not a known option/],
    [{ identity, zone: { name: 'a.example', a: ['::1'] } }, /^zone\.a\[0\] must be an IPv4 address/],
    [{ identity, zone: { name: 'a.example', aaaa: ['1.2.3.4'] } }, /^zone\.aaaa\[0\] must be an IPv6 address/],
    [{ identity, zone: { name: 'a.example', ns: [] } }, /^zone\.ns must be a list of 1\.\.13 items, each a domain name/],
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
  t.equal(resolveOptions({ identity, tcp: { maxQueriesPerConnection: 0 } }).tcp.maxQueriesPerConnection, 0, 'tcp.maxQueriesPerConnection 0: no cap');
  t.doesNotThrow(() => resolveOptions({ identity, zone: { name: 'example.net', a: ['192.0.2.1'], aaaa: ['2001:db8::1'], ns: ['ns1.example.net'], ttl: 0, soa: { serial: 4_294_967_295 } } }));
});

t.test('the README option table is the one the option descriptions make', async (t) => {
  const { readFileSync } = await import('node:fs');
  const { optionsTable, tableIn } = await import('@anycast-origin/options');
  const { OPTIONS } = await import('../src/index.js');
  t.equal(tableIn(readFileSync(new URL('../README.md', import.meta.url), 'utf8')), optionsTable(OPTIONS));
});
