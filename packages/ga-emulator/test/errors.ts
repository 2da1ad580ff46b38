import t from 'tap';
import { readFileSync } from 'node:fs';
import { ApiError, BindError, ERROR_CODES, GaEmulatorError, InvalidArgumentError, InvalidOptionError, InvalidStateError } from '../src/errors.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

t.test('every error code is documented in the README, and the README lists no other', async (t) => {
  for (const code of ERROR_CODES) t.ok(readme.includes(`\`${code}\``), `${code} documented`);
  const documented = new Set(readme.match(/GA_EMULATOR_ERR_[A-Z_]+/g) ?? []);
  t.same([...documented].sort(), [...ERROR_CODES].sort());
});

t.test('each subclass has its stable code and names what failed', async (t) => {
  const errors: GaEmulatorError[] = [
    new InvalidOptionError('healthCheck.minIntervalSeconds', 'must be a number 0.05..10 (s), got 0'),
    InvalidArgumentError.expected('groups[0].dial', 'a number 0..100', 101),
    new InvalidStateError('start() called twice'),
    new BindError('UDP', '127.0.0.10', 53, { cause: Object.assign(new Error('x'), { code: 'EACCES' }) }),
    new ApiError('AcceleratorNotFoundException', 'Accelerator not found: arn:x'),
  ];
  t.same(errors.map((e) => e.code).sort(), [...ERROR_CODES].sort());
  for (const e of errors) {
    t.ok(e instanceof GaEmulatorError && e instanceof Error);
    t.not(e.name, 'Error');
  }
  t.equal(errors[0]?.message, 'healthCheck.minIntervalSeconds must be a number 0.05..10 (s), got 0');
  t.equal((errors[0] as InvalidOptionError).option, 'healthCheck.minIntervalSeconds');
  t.equal(errors[1]?.message, 'groups[0].dial must be a number 0..100, got 101');
  t.equal(errors[3]?.message, 'cannot bind UDP 127.0.0.10:53: EACCES');
  t.equal((errors[4] as ApiError).awsName, 'AcceleratorNotFoundException');
  t.equal((errors[4] as ApiError).statusCode, 400);
  t.ok(Object.isFrozen(ERROR_CODES));
});
