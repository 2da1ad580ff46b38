/**
 * The origin artifact as the stack ships it: the file (checked at synth: a deploy never ships
 * without the origin), its SHA-256 (the instances check it before installing), an object key
 * that carries the hash (a new artifact is a new object), and one Terraform asset that every
 * region's ArtifactBucket uploads.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { AssetType, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';
import { ArtifactMissingError } from './errors.js';

export interface OriginArtifactProps {
  /** Absolute path of the artifact (.tar.gz that extracts to `anycast-origin/`); must exist at synth. */
  readonly path: string;
  /**
   * Config field reported when the artifact is missing.
   * @default 'artifactPath'
   */
  readonly field?: string;
}

export class OriginArtifact extends Construct {
  readonly path: string;
  /** Hex SHA-256 of the file. */
  readonly sha256: string;
  /** Object key: anycast-origin/<sha256 prefix>/<file name>. */
  readonly key: string;
  /** The file, copied next to the synthesized stack (a relative path: the stack is self-contained). */
  readonly asset: TerraformAsset;

  constructor(scope: Construct, id: string, props: OriginArtifactProps) {
    super(scope, id);
    const { path, field = 'artifactPath' } = props;
    let isFile = false;
    try {
      isFile = statSync(path).isFile();
    } catch {
      isFile = false;
    }
    if (!isFile) throw new ArtifactMissingError(field, path);
    this.path = path;
    this.sha256 = createHash('sha256').update(readFileSync(path)).digest('hex');
    this.key = `anycast-origin/${this.sha256.slice(0, 16)}/${basename(path)}`;
    this.asset = new TerraformAsset(this, 'file', { path, type: AssetType.FILE });
  }
}
