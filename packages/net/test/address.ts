import t from 'tap';
import { canonicalIp, formatHostPort, ipBytes, ipFamily, ipFromBytes, isLoopback, parseHostPort, unmapIpv4 } from '../src/index.js';

t.test('host:port both ways', async (t) => {
  t.equal(formatHostPort('127.0.0.1', 80), '127.0.0.1:80');
  t.equal(formatHostPort('::1', 53), '[::1]:53');
  t.same(parseHostPort('127.0.0.1:8080'), { host: '127.0.0.1', port: 8080 });
  t.same(parseHostPort('[::]:53'), { host: '::', port: 53 });
  t.same(parseHostPort('localhost:1'), { host: '127.0.0.1', port: 1 });
  t.same(parseHostPort('::1', { defaultPort: 53 }), { host: '::1', port: 53 }, 'a bare IPv6 address with a default port');
  t.same(parseHostPort('10.0.0.1', { defaultPort: 53 }), { host: '10.0.0.1', port: 53 });
  t.same(parseHostPort('[fe80::1]', { defaultPort: 53 }), { host: 'fe80::1', port: 53 });
  for (const bad of ['host:80', '1.2.3.4:99999', '1.2.3.4:x', '1.2.3.4', '[::1]:', ':80', '']) {
    t.throws(() => parseHostPort(bad, { label: '--api' }), { code: 'NET_ERR_INVALID_ADDRESS', name: 'InvalidAddressError', label: '--api', message: /^--api must be an address \(/ }, bad);
  }
});

t.test('one canonical text per address', async (t) => {
  t.equal(canonicalIp('0000:0000:0000:0000:0000:0000:0000:0001'), '::1');
  t.equal(canonicalIp('2001:0DB8:0:0:1:0:0:1'), '2001:db8::1:0:0:1', 'RFC 5952: lower case, the first longest zero run');
  t.equal(canonicalIp('::ffff:192.0.2.1'), '192.0.2.1');
  t.equal(canonicalIp('0000:0000:0000:0000:0000:ffff:c000:0201'), '192.0.2.1', 'mapped, spelled in hex');
  t.equal(canonicalIp('192.0.2.1'), '192.0.2.1');
  t.equal(canonicalIp('not an address'), 'not an address');
  // What uWebSockets.js reports for IPv6 peers: every group written out.
  t.equal(canonicalIp('0000:0000:0000:0000:0000:0000:0000:0000'), '::');
  t.equal(canonicalIp('2001:0DB8:0001:0002:0003:0004:0005:0006'), '2001:db8:1:2:3:4:5:6');
  t.equal(canonicalIp('2001:0db8:0000:0001:0001:0001:0001:0001'), '2001:db8:0:1:1:1:1:1', 'a single zero group is not compressed');
  t.equal(canonicalIp('fe80:0000:0000:0000:0000:0000:0000:0000'), 'fe80::');
  t.equal(canonicalIp('0000:0000:0000:0000:0000:ffff:7f00:0001'), '127.0.0.1');
  t.equal(unmapIpv4('::ffff:10.1.2.3'), '10.1.2.3');
  t.equal(unmapIpv4('::1'), '::1');
  t.equal(unmapIpv4('10.1.2.3'), '10.1.2.3');
});

t.test('bytes, family, loopback', async (t) => {
  t.same(ipBytes('10.1.2.3'), [10, 1, 2, 3]);
  t.same(ipBytes('::ffff:10.1.2.3'), [10, 1, 2, 3], 'mapped addresses are IPv4');
  t.equal(ipBytes('2001:db8::1').length, 16);
  t.equal(ipFromBytes(ipBytes('2001:db8::1')), '2001:db8::1');
  t.equal(ipFromBytes([1, 2, 3, 4]), '1.2.3.4');
  t.throws(() => ipFromBytes([1, 2]), { code: 'NET_ERR_INVALID_ADDRESS' });
  t.throws(() => ipBytes('x'), { code: 'NET_ERR_INVALID_ADDRESS' });
  t.equal(ipFamily('::1'), 6);
  t.equal(ipFamily('1.1.1.1'), 4);
  t.equal(ipFamily('x'), 0);
  t.ok(isLoopback('127.9.9.9'));
  t.ok(isLoopback('::1'));
  t.ok(isLoopback('::ffff:127.0.0.1'));
  t.notOk(isLoopback('169.254.0.1'), 'link-local is not loopback');
  t.notOk(isLoopback('x'));
});
