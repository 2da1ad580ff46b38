/**
 * The private bucket the instances install the origin from, and the artifact in it.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { AssetType, Fn, TerraformAsset } from 'cdktf';
import type { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket/index.js';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block/index.js';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls/index.js';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning/index.js';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration/index.js';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy/index.js';
import { S3Object } from '@cdktf/provider-aws/lib/s3-object/index.js';
import { ArtifactMissingError } from './errors.js';

export interface ArtifactBucketProps {
  /** Absolute path of the artifact to upload; must exist at synth. */
  readonly artifactPath: string;
  /** Prefix of the bucket name (the config's acceleratorName; AWS appends a unique suffix). */
  readonly namePrefix: string;
  /**
   * Config field reported when the artifact is missing.
   * @default 'artifactPath'
   */
  readonly field?: string;
  /**
   * Empty the bucket (every version) on destroy, so `cdktf destroy` does not stop at it.
   * @default true
   */
  readonly forceDestroy?: boolean;
  /**
   * @default - the stack's default AWS provider
   */
  readonly provider?: TerraformProvider;
}

/**
 * The private bucket the instances install the origin from: versioned, encrypted (SSE-S3),
 * every public access blocked, ACLs disabled, TLS required; the artifact stored under a key
 * that carries its SHA-256, so a new artifact is a new object (and new user data).
 */
export class ArtifactBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly object: S3Object;
  /** Object key: anycast-origin/<sha256 prefix>/<file name>. */
  readonly key: string;
  /** ARN of the one object the instances may read. */
  readonly objectArn: string;
  readonly sha256: string;

  constructor(scope: Construct, id: string, props: ArtifactBucketProps) {
    super(scope, id);
    const { artifactPath, namePrefix, field = 'artifactPath', forceDestroy = true, provider } = props;
    let isFile = false;
    try {
      isFile = statSync(artifactPath).isFile();
    } catch {
      isFile = false;
    }
    if (!isFile) throw new ArtifactMissingError(field, artifactPath);
    const p = provider ? { provider } : {};

    this.sha256 = createHash('sha256').update(readFileSync(artifactPath)).digest('hex');
    this.key = `anycast-origin/${this.sha256.slice(0, 16)}/${basename(artifactPath)}`;

    this.bucket = new S3Bucket(this, 'bucket', { ...p, bucketPrefix: `${namePrefix}-`, forceDestroy, tags: { Name: `${namePrefix}-artifact` } });
    const bucket = this.bucket.id;
    new S3BucketPublicAccessBlock(this, 'public-access-block', {
      ...p,
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, 'ownership', { ...p, bucket, rule: { objectOwnership: 'BucketOwnerEnforced' } });
    const versioning = new S3BucketVersioningA(this, 'versioning', { ...p, bucket, versioningConfiguration: { status: 'Enabled' } });
    const encryption = new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      ...p,
      bucket,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' }, bucketKeyEnabled: true }],
    });
    new S3BucketPolicy(this, 'tls-only', {
      ...p,
      bucket,
      // Fn.jsonencode, not JSON.stringify: the policy holds references, and the HCL renderer
      // does not escape quotes in strings that carry them.
      policy: Fn.jsonencode({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'DenyInsecureTransport',
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:*',
            Resource: [this.bucket.arn, `${this.bucket.arn}/*`],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      }),
    });

    const asset = new TerraformAsset(this, 'artifact', { path: artifactPath, type: AssetType.FILE });
    this.object = new S3Object(this, 'object', {
      ...p,
      bucket,
      key: this.key,
      source: asset.path,
      sourceHash: this.sha256,
      contentType: 'application/gzip',
      dependsOn: [versioning, encryption],
    });
    this.objectArn = `${this.bucket.arn}/${this.key}`;
  }
}
