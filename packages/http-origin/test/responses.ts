import t from 'tap';
import { createIdentity } from '@anycast-origin/identity';
import { DATA_PATTERN, buildResponses, commonHeaders, dataSource, parseDataSize } from '../src/responses.js';
import { ID, TEXT, identity } from './fixtures/helpers.js';

t.test('bodies and header blocks are precomputed from the identity', async (t) => {
  const r = buildResponses(identity);
  t.equal(r.identityText.toString(), TEXT);
  t.equal(r.bench.toString(), '1');
  t.equal(r.text.key.toString(), 'content-type');
  t.equal(r.text.value.toString(), `text/plain; charset=utf-8\r\nx-served-by: ${ID}\r\nx-origin-region: us-west-2\r\ncache-control: no-store`);
  t.same(r.notAllowed.pairs.map(([k]) => k), ['content-type', 'allow', 'x-served-by', 'x-origin-region', 'cache-control']);
});

t.test('x-origin-region only when the region is known', async (t) => {
  t.same(commonHeaders(createIdentity({ hostname: 'web1' })), [['x-served-by', 'web1'], ['cache-control', 'no-store']]);
});

t.test('parseDataSize', async (t) => {
  t.equal(parseDataSize('0', 10), 0);
  t.equal(parseDataSize('10', 10), 10);
  t.match(parseDataSize('11', 10), 'over the cap of 10 bytes');
  t.match(parseDataSize('', 10), 'required');
  for (const bad of ['-1', 'abc', '1e3', '0x10', ' 1', '1.0', '12345678901']) t.type(parseDataSize(bad, 2 ** 40), 'string', bad);
});

t.test('the data source repeats the 64-byte pattern from any offset', async (t) => {
  const s = dataSource(1024);
  t.equal(DATA_PATTERN.length, 64);
  t.equal(s.length, 1024 + 64);
  for (let i = 0; i < s.length; i += 97) t.equal(s[i], DATA_PATTERN[i % 64]);
});
