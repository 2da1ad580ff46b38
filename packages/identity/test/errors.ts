import t from 'tap';
import { readFileSync } from 'node:fs';
import { ERROR_CODES, IdentityError, InvalidIdentityFieldError, MetadataTimeoutError } from '../src/index.js';

t.test('every error code is documented in the README', async (t) => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  for (const code of ERROR_CODES) t.ok(readme.includes(`\`${code}\``), `${code} documented`);
});

t.test('errors share a base class and carry code and cause', async (t) => {
  const e = new InvalidIdentityFieldError('id', 'bad');
  t.ok(e instanceof IdentityError);
  t.ok(e instanceof Error);
  t.equal(e.code, 'IDENTITY_ERR_INVALID_FIELD');
  t.equal(e.message, 'id bad');
  const cause = new Error('x');
  t.equal(new MetadataTimeoutError('/p', 10, { cause }).cause, cause);
});
