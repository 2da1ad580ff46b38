/**
 * What the deployed stack tells the verify step and the rollout: the accelerator, and per
 * region the origin instances (id and Terraform address) and the artifact version they should
 * run. Read from `terraform output -json` in the synthesized stack's directory (plain
 * Terraform's format, so it keeps working after leaving CDKTF), or from a file holding it.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { OutputsError } from './errors.js';

export interface OriginInstance {
  /** EC2 instance id: the endpoint id in the accelerator. */
  readonly id: string;
  /** `aws_instance.fleet_us_east_1_origin_1`. */
  readonly address: string;
}

export interface RegionOrigins {
  readonly instances: readonly OriginInstance[];
  readonly artifact: { readonly bucket: string; readonly key: string; readonly versionId: string; readonly sha256: string };
}

export interface StackOutputs {
  readonly acceleratorArn: string;
  /** By region, in the config's order. */
  readonly origins: ReadonlyMap<string, RegionOrigins>;
}

const isString = (v: unknown): v is string => typeof v === 'string' && v !== '';

/** Check and type `terraform output -json`'s object. */
export function parseOutputs(raw: unknown, source: string): StackOutputs {
  const out = raw as Record<string, { value?: unknown } | undefined> | null;
  const acceleratorArn = out?.accelerator_arn?.value;
  const origins = out?.origins?.value as Record<string, { instances?: unknown; artifact?: Record<string, unknown> }> | undefined;
  if (!isString(acceleratorArn) || typeof origins !== 'object' || origins === null) {
    throw new OutputsError(`${source} has no accelerator_arn and origins outputs: deploy the stack first (npm run deploy -w infra)`);
  }
  const regions = new Map<string, RegionOrigins>();
  for (const [region, o] of Object.entries(origins)) {
    const instances = Array.isArray(o?.instances) ? (o.instances as Record<string, unknown>[]) : [];
    const a = o?.artifact ?? {};
    if (instances.length === 0 || !instances.every((i) => isString(i.id) && isString(i.address)) || ![a.bucket, a.key, a.version_id, a.sha256].every(isString)) {
      throw new OutputsError(`${source}: origins.${region} must hold instances [{ id, address }] and artifact { bucket, key, version_id, sha256 }`);
    }
    regions.set(region, {
      instances: instances.map((i) => ({ id: i.id as string, address: i.address as string })),
      artifact: { bucket: a.bucket as string, key: a.key as string, versionId: a.version_id as string, sha256: a.sha256 as string },
    });
  }
  return { acceleratorArn, origins: regions };
}

export interface ReadOutputsOptions {
  /** A file holding `terraform output -json`; when absent, terraform is asked in `stackDir`. */
  readonly file?: string;
  /** The synthesized stack (cdktf.out/stacks/anycast-origin), where `terraform output` runs. */
  readonly stackDir: string;
  /** @default 'terraform' */
  readonly terraform?: string;
}

export async function readOutputs({ file, stackDir, terraform = 'terraform' }: ReadOutputsOptions): Promise<StackOutputs> {
  if (file !== undefined) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new OutputsError(`cannot read ${file}: ${(e as Error).message}`, { cause: e });
    }
    return parseOutputs(parseJson(text, file), file);
  }
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)(terraform, ['output', '-json', '-no-color'], { cwd: stackDir, env: { ...process.env, CHECKPOINT_DISABLE: '1' }, maxBuffer: 16 << 20 }));
  } catch (e) {
    const err = e as Error & { stderr?: string };
    throw new OutputsError(`terraform output in ${stackDir} failed: ${(err.stderr ?? err.message).trim().split('\n')[0]}`, { cause: e });
  }
  return parseOutputs(parseJson(stdout, `terraform output in ${stackDir}`), `terraform output in ${stackDir}`);
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new OutputsError(`${source} is not JSON: ${(e as Error).message}`, { cause: e });
  }
}
