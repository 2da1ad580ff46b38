import t from 'tap';
import { readFileSync } from 'node:fs';
import { ArtifactMissingError, ConfigFieldError, ConfigFileError, ERROR_CODES, InfraError } from '../src/errors.js';

t.test('every error code is documented in the README', async (t) => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  for (const code of ERROR_CODES) t.ok(readme.includes(`\`${code}\``), `${code} documented`);
});

t.test('errors share a base class, carry a code, and name the field first', async (t) => {
  const e = new ConfigFieldError('regions[0].trafficDial', 'must be 0..100, got 150', 'INFRA_ERR_OUT_OF_RANGE');
  t.ok(e instanceof InfraError && e instanceof Error);
  t.equal(e.message, 'regions[0].trafficDial: must be 0..100, got 150');
  t.equal(e.code, 'INFRA_ERR_OUT_OF_RANGE');
  t.equal(new ConfigFieldError('x', 'y').code, 'INFRA_ERR_INVALID_FIELD');
  const cause = new Error('ENOENT');
  const f = new ConfigFileError('/c.json', 'cannot read it', { cause });
  t.ok(f instanceof InfraError);
  t.equal(f.cause, cause);
  t.equal(f.code, 'INFRA_ERR_CONFIG_FILE');
  const m = new ArtifactMissingError('artifactPath', '/a.tar.gz');
  t.ok(m instanceof ConfigFieldError);
  t.equal(m.path, '/a.tar.gz');
});

t.test('every code used in src/ is listed in ERROR_CODES', async (t) => {
  const { readdirSync } = await import('node:fs');
  const dir = new URL('../src/', import.meta.url);
  const used = new Set<string>();
  for (const f of readdirSync(dir)) for (const m of readFileSync(new URL(f, dir), 'utf8').matchAll(/'(INFRA_ERR_[A-Z0-9_]+)'/g)) used.add(m[1] as string);
  t.same([...used].sort(), [...ERROR_CODES].sort());
});
