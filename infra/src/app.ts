/**
 * The CDKTF app: the config file, read and validated by @anycast-origin/config, and the one
 * stack built from it.
 */
import { fileURLToPath } from 'node:url';
import { App } from 'cdktf';
import { loadConfig } from '@anycast-origin/config';
import { AnycastStack } from './anycast-stack.js';

/** infra/anycast.config.json (src/ and dist/ both sit one level below infra/). */
export const DEFAULT_CONFIG_FILE = fileURLToPath(new URL('../anycast.config.json', import.meta.url));

/** Name of the one stack (its directory under cdktf.out/stacks/ and its state file). */
export const STACK_NAME = 'anycast-origin';

export interface BuildAppOptions {
  /**
   * Config file.
   * @default process.env.ANYCAST_CONFIG, else infra/anycast.config.json
   */
  readonly configFile?: string;
  /**
   * Output directory.
   * @default process.env.CDKTF_OUTDIR (set by the cdktf CLI), else 'cdktf.out'
   */
  readonly outdir?: string;
  /**
   * Write HCL (cdk.tf) instead of JSON (cdk.tf.json).
   * @default process.env.SYNTH_HCL_OUTPUT (set by `cdktf synth --hcl`)
   */
  readonly hclOutput?: boolean;
}

/** Load and validate the config, then build the app with its one stack (not yet synthesized). */
export function buildApp(options: BuildAppOptions = {}): { app: App; stack: AnycastStack } {
  const configFile = options.configFile ?? process.env.ANYCAST_CONFIG ?? DEFAULT_CONFIG_FILE;
  const config = loadConfig(configFile);
  const app = new App({
    ...(options.outdir ? { outdir: options.outdir } : {}),
    ...(options.hclOutput !== undefined ? { hclOutput: options.hclOutput } : {}),
  });
  const stack = new AnycastStack(app, STACK_NAME, { config });
  return { app, stack };
}
