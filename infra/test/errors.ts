import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { ArtifactMissingError, ERROR_CODES, InfraError, InvalidOptionError, OutputsError, RolloutError, UnhealthyError, UpdateError, UsageError } from '../src/errors.js';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

t.test('every error code is documented, every documented code exists', async (t) => {
  const documented = [...new Set(README.match(/`INFRA_ERR_[A-Z0-9_]+`/g)?.map((s) => s.slice(1, -1)))].sort();
  t.same(documented, [...ERROR_CODES].sort());
  t.ok(Object.isFrozen(ERROR_CODES));
});

t.test('every code used in src/ is listed in ERROR_CODES', async (t) => {
  const dir = new URL('../src/', import.meta.url);
  const used = new Set<string>();
  for (const f of readdirSync(dir)) for (const m of readFileSync(new URL(f, dir), 'utf8').matchAll(/'(INFRA_ERR_[A-Z0-9_]+)'/g)) used.add(m[1] as string);
  t.same([...used].sort(), [...ERROR_CODES].sort());
});

t.test('errors share a base class, carry a code, and name what they are about first', async (t) => {
  const o = new InvalidOptionError('region.weights', 'must hold one weight per instance of the fleet (2), got 3');
  t.ok(o instanceof InfraError && o instanceof Error);
  t.match(o, { name: 'InvalidOptionError', code: 'INFRA_ERR_INVALID_OPTION', option: 'region.weights', message: 'region.weights must hold one weight per instance of the fleet (2), got 3' });
  const m = new ArtifactMissingError('artifactPath', '/a.tar.gz');
  t.ok(m instanceof InfraError);
  t.match(m, { name: 'ArtifactMissingError', code: 'INFRA_ERR_ARTIFACT_MISSING', field: 'artifactPath', path: '/a.tar.gz', message: /^artifactPath must be an existing file \(the origin artifact\), got \/a\.tar\.gz: / });
});

t.test('every class carries its code', async (t) => {
  t.same([new OutputsError('m'), new UnhealthyError('m'), new RolloutError('i-1', 'm'), new UpdateError('m'), new UsageError('m')].map((e) => [e.name, e.code, e instanceof InfraError]), [
    ['OutputsError', 'INFRA_ERR_OUTPUTS', true], ['UnhealthyError', 'INFRA_ERR_UNHEALTHY', true], ['RolloutError', 'INFRA_ERR_ROLLOUT', true], ['UpdateError', 'INFRA_ERR_UPDATE', true], ['UsageError', 'INFRA_ERR_USAGE', true],
  ]);
  t.equal(new RolloutError('i-1', 'm').endpointId, 'i-1');
});
