import t from 'tap';
import { readFileSync } from 'node:fs';
import { ERROR_CODES, InvalidAddressError, NetError } from '../src/index.js';

t.test('every code is documented, every documented code exists', async (t) => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const documented = [...new Set(readme.match(/`NET_ERR_[A-Z_]+`/g)?.map((s) => s.slice(1, -1)))].sort();
  t.same(documented, [...ERROR_CODES].sort());
  t.ok(new InvalidAddressError('x', 'y', 'z') instanceof NetError);
});
