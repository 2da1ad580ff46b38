/**
 * The CDKTF app (cdktf.json runs it after a build): `npm run synth -w infra`.
 * ANYCAST_CONFIG=path/to/config.json picks another config file.
 */
import { buildApp } from './app.js';
import { InfraError } from './errors.js';

try {
  buildApp().app.synth();
} catch (err) {
  if (!(err instanceof InfraError)) throw err;
  process.stderr.write(`anycast-origin infra: ${err.message} [${err.code}]\n`);
  process.exitCode = 1;
}
