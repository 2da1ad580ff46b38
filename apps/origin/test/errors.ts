import t from 'tap';
import { readFileSync } from 'node:fs';
import { ERROR_CODES } from '../src/errors.js';

t.test('every error code is documented in the README', async (t) => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  for (const code of ERROR_CODES) t.ok(readme.includes(`\`${code}\``), code);
});
