import t from 'tap';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { ArtifactBucket } from '../src/artifact-bucket.js';
import { ArtifactMissingError } from '../src/errors.js';
import { emptyStack, resources, synthStack } from './fixtures/synth.js';

t.test('GIVEN an artifact file WHEN synthesized THEN it is uploaded under a content-addressed key', async (t) => {
  const dir = t.testdir({ 'anycast-origin-linux.tar.gz': 'bytes' });
  const { stack } = emptyStack();
  const a = new ArtifactBucket(stack, 'artifact', { artifactPath: join(dir, 'anycast-origin-linux.tar.gz'), namePrefix: 'edge' });
  const sha = createHash('sha256').update('bytes').digest('hex');
  t.equal(a.sha256, sha);
  t.equal(a.key, `anycast-origin/${sha.slice(0, 16)}/anycast-origin-linux.tar.gz`);
  const json = synthStack(stack);
  const obj = Object.values(resources(json, 'aws_s3_object'))[0];
  t.match(obj, { key: a.key, source_hash: sha, content_type: 'application/gzip' });
  t.match(obj?.source, /^assets\/.*anycast-origin-linux\.tar\.gz$/, 'a relative asset path: the synthesized stack is self-contained');
  t.match(Object.values(resources(json, 'aws_s3_bucket'))[0], { bucket_prefix: 'edge-', force_destroy: true });
});

t.test('GIVEN a missing artifact WHEN constructed THEN INFRA_ERR_ARTIFACT_MISSING names the field, the path and how to build it', async (t) => {
  const { stack } = emptyStack();
  const missing = join(t.testdirName, 'nope.tar.gz');
  t.throws(() => new ArtifactBucket(stack, 'a', { artifactPath: missing, namePrefix: 'edge' }), ArtifactMissingError);
  t.throws(() => new ArtifactBucket(stack, 'b', { artifactPath: missing, namePrefix: 'edge' }), {
    field: 'artifactPath',
    code: 'INFRA_ERR_ARTIFACT_MISSING',
    path: missing,
    message: /^artifactPath must be an existing file \(the origin artifact\), got .*nope\.tar\.gz: build it with `npm run package -w apps\/origin`/,
  });
});

t.test('GIVEN a directory as artifact THEN it is missing too', async (t) => {
  const dir = t.testdir({});
  const { stack } = emptyStack();
  t.throws(() => new ArtifactBucket(stack, 'a', { artifactPath: dir, namePrefix: 'edge', field: 'x.artifact' }), { field: 'x.artifact', code: 'INFRA_ERR_ARTIFACT_MISSING' });
});
