import t from 'tap';
import { join } from 'node:path';
import { ArtifactBucket } from '../src/artifact-bucket.js';
import { OriginArtifact } from '../src/origin-artifact.js';
import { emptyStack, resources, synthStack } from './fixtures/synth.js';

t.test('GIVEN the artifact and a region\'s provider WHEN synthesized THEN a private versioned bucket there holds it under its content-addressed key', async (t) => {
  const dir = t.testdir({ 'anycast-origin-linux.tar.gz': 'bytes' });
  const { stack, provider } = emptyStack();
  const artifact = new OriginArtifact(stack, 'artifact', { path: join(dir, 'anycast-origin-linux.tar.gz') });
  const a = new ArtifactBucket(stack, 'copy', { artifact, namePrefix: 'edge', provider });
  t.equal(a.key, artifact.key);
  const json = synthStack(stack);
  const obj = Object.values(resources(json, 'aws_s3_object'))[0];
  t.match(obj, { key: a.key, source_hash: artifact.sha256, content_type: 'application/gzip' });
  t.match(obj?.source, /^assets\/.*anycast-origin-linux\.tar\.gz$/, 'a relative asset path: the synthesized stack is self-contained');
  t.match(Object.values(resources(json, 'aws_s3_bucket'))[0], { bucket_prefix: 'edge-', force_destroy: true });
});
