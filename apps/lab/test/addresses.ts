import t from 'tap';
import { originAddress, parseBlock, vantageAddress } from '../src/addresses.js';
import { AddressSpaceError } from '../src/errors.js';

t.test('parseBlock takes loopback blocks with their host bits clear', async (t) => {
  t.same(parseBlock('127.10.0.0/16'), { cidr: '127.10.0.0/16', base: 0x7f0a0000, size: 65536 });
  t.same(parseBlock('127.0.0.0/8')?.size, 2 ** 24);
  t.same(parseBlock('127.10.3.4/30')?.size, 4);
  for (const bad of ['10.0.0.0/8', '127.10.0.1/16', '127.10.0.0/7', '127.10.0.0/31', '127.10.0.0', '127.300.0.0/16', 'x/16', '127.10.0.0/16 ']) {
    t.equal(parseBlock(bad), undefined, bad);
  }
});

t.test('origins: the third octet is the region, the fourth the instance', async (t) => {
  t.equal(originAddress('127.10.0.0/16', 0, 0), '127.10.1.1');
  t.equal(originAddress('127.10.0.0/16', 0, 1), '127.10.1.2');
  t.equal(originAddress('127.10.0.0/16', 3, 1), '127.10.4.2');
  t.equal(originAddress('127.10.0.0/16', 253, 253), '127.10.254.254');
  t.throws(() => originAddress('127.10.0.0/16', 0, 254), AddressSpaceError);
  t.throws(() => originAddress('127.10.0.0/16', 255, 0), { code: 'LAB_ERR_ADDRESS_SPACE', message: /127\.10\.0\.0\/16 has no room for instance 1 of region 256/ });
  t.throws(() => originAddress('127.10.4.0/24', 0, 0), { code: 'LAB_ERR_ADDRESS_SPACE' });
  t.throws(() => originAddress('10.0.0.0/16', 0, 0), { code: 'LAB_ERR_ADDRESS_SPACE', message: /not a loopback block/ });
});

t.test('vantage points: one after another, skipping .0 and .255', async (t) => {
  t.equal(vantageAddress('127.20.0.0/16', 0), '127.20.0.1');
  t.equal(vantageAddress('127.20.0.0/16', 253), '127.20.0.254');
  t.equal(vantageAddress('127.20.0.0/16', 254), '127.20.1.1');
  t.equal(vantageAddress('127.20.0.0/16', 509), '127.20.2.2');
  const all = new Set(Array.from({ length: 600 }, (_, i) => vantageAddress('127.20.0.0/16', i)));
  t.equal(all.size, 600, 'distinct');
  t.notOk([...all].some((a) => a.endsWith('.0') || a.endsWith('.255')));
  t.equal(vantageAddress('127.20.0.0/24', 253), '127.20.0.254');
  t.throws(() => vantageAddress('127.20.0.0/24', 254), { code: 'LAB_ERR_ADDRESS_SPACE', message: /no room for 255 vantage points/ });
});
