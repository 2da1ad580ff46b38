import t from 'tap';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { ArtifactMissingError } from '../src/errors.js';
import { OriginArtifact } from '../src/origin-artifact.js';
import { emptyStack } from './fixtures/synth.js';

t.test('GIVEN an artifact file WHEN constructed THEN its SHA-256 and a key that carries it', async (t) => {
  const dir = t.testdir({ 'anycast-origin-linux.tar.gz': 'bytes' });
  const { stack } = emptyStack();
  const a = new OriginArtifact(stack, 'artifact', { path: join(dir, 'anycast-origin-linux.tar.gz') });
  const sha = createHash('sha256').update('bytes').digest('hex');
  t.equal(a.sha256, sha);
  t.equal(a.key, `anycast-origin/${sha.slice(0, 16)}/anycast-origin-linux.tar.gz`);
});

t.test('GIVEN a missing artifact WHEN constructed THEN INFRA_ERR_ARTIFACT_MISSING names the field, the path and how to build it', async (t) => {
  const { stack } = emptyStack();
  const missing = join(t.testdirName, 'nope.tar.gz');
  t.throws(() => new OriginArtifact(stack, 'a', { path: missing }), ArtifactMissingError);
  t.throws(() => new OriginArtifact(stack, 'b', { path: missing }), {
    field: 'artifactPath',
    code: 'INFRA_ERR_ARTIFACT_MISSING',
    path: missing,
    message: /^artifactPath must be an existing file \(the origin artifact\), got .*nope\.tar\.gz: build it with `npm run package -w apps\/origin`/,
  });
});

t.test('GIVEN a directory as artifact THEN it is missing too, under the field given', async (t) => {
  const dir = t.testdir({});
  const { stack } = emptyStack();
  t.throws(() => new OriginArtifact(stack, 'a', { path: dir, field: 'x.artifact' }), { field: 'x.artifact', code: 'INFRA_ERR_ARTIFACT_MISSING' });
});
