import t from 'tap';
import { readFileSync } from 'node:fs';
import {
  AmbiguousError, ApiError, ConfigError, DeployTimeoutError, DrainRecordError, ERROR_CODES, GuardError, IncompleteResponseError, InvalidArgumentError,
  InvalidOptionError, InvalidStateError, MetricsFormatError, NotFoundError, TargetsFileError, UsageError, VerifyError,
} from '../src/errors.js';

t.test('every error code is in the README\'s table with its class and exit code, and every row exists', async (t) => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const documented = [...readme.matchAll(/^\| `(GACTL_ERR_[A-Z_]+)` \| `(\w+)` \| (\d) \|/gm)].map((m) => [m[1], m[2], Number(m[3])]);
  const made = [
    new InvalidOptionError('o', 'm'), new InvalidArgumentError('a', 'm'), new InvalidStateError('m'), new UsageError('m'), new ApiError('Op', 'Name', 'm', 400),
    new NotFoundError('m'), new AmbiguousError('m'), new GuardError(['m']), new VerifyError('m'), new DeployTimeoutError(1, 'm'), new IncompleteResponseError('m'),
    new DrainRecordError('m'), new ConfigError('m'), new MetricsFormatError(1, 'm'), new TargetsFileError('f', 'm'),
  ];
  t.same(made.map((e) => e.code).sort(), [...ERROR_CODES].sort(), 'one class per code');
  t.same(documented, made.map((e) => [e.code, e.name, e.exitCode]), 'the README\'s rows, in order');
});
