/**
 * The CDKTF app (cdktf.json runs it after a build): `npm run synth -w infra`.
 * ANYCAST_CONFIG=path/to/config.json picks another config file. A bad config or a missing
 * artifact is one line naming the field and its code, exit 1, nothing synthesized.
 */
import { ConfigError } from '@anycast-origin/config';
import { buildApp } from './app.js';
import { InfraError } from './errors.js';

try {
  buildApp().app.synth();
} catch (err) {
  if (!(err instanceof InfraError || err instanceof ConfigError)) throw err;
  process.stderr.write(`anycast-origin infra: ${err.message} [${err.code}]\n`);
  process.exitCode = 1;
}
