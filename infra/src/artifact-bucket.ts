/**
 * A region's private bucket holding its copy of the origin artifact: the instances read it
 * through the region's S3 gateway endpoint (which reaches only buckets of its own region).
 */
import { Fn } from 'cdktf';
import type { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket/index.js';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block/index.js';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls/index.js';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning/index.js';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration/index.js';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy/index.js';
import { S3Object } from '@cdktf/provider-aws/lib/s3-object/index.js';
import type { OriginArtifact } from './origin-artifact.js';

export interface ArtifactBucketProps {
  /** The artifact to upload. */
  readonly artifact: OriginArtifact;
  /** Prefix of the bucket name (the config's acceleratorName; AWS appends a unique suffix). */
  readonly namePrefix: string;
  /**
   * Empty the bucket (every version) on destroy, so `cdktf destroy` does not stop at it.
   * @default true
   */
  readonly forceDestroy?: boolean;
  /**
   * The provider of the bucket's region.
   * @default - the stack's default AWS provider
   */
  readonly provider?: TerraformProvider;
}

/**
 * The private bucket the instances install the origin from: versioned, encrypted (SSE-S3),
 * every public access blocked, ACLs disabled, TLS required; the artifact stored under a key
 * that carries its SHA-256, so a new artifact is a new object (and a new version id).
 */
export class ArtifactBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly object: S3Object;
  readonly artifact: OriginArtifact;
  /** Object key: anycast-origin/<sha256 prefix>/<file name>. */
  readonly key: string;
  /** The object's version id (the bucket is versioned): the instances download exactly this one. */
  readonly versionId: string;
  /** ARN of the one object the instances may read. */
  readonly objectArn: string;

  constructor(scope: Construct, id: string, props: ArtifactBucketProps) {
    super(scope, id);
    const { artifact, namePrefix, forceDestroy = true, provider } = props;
    const p = provider ? { provider } : {};
    this.artifact = artifact;
    this.key = artifact.key;

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

    this.object = new S3Object(this, 'object', {
      ...p,
      bucket,
      key: this.key,
      source: artifact.asset.path,
      sourceHash: artifact.sha256,
      contentType: 'application/gzip',
      dependsOn: [versioning, encryption],
    });
    this.versionId = this.object.versionId;
    this.objectArn = `${this.bucket.arn}/${this.key}`;
  }
}
