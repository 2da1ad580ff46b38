import t from 'tap';
import { readFileSync } from 'node:fs';
import {
  AddressInUseError, ERROR_CODES, FallbackRefusedError, HttpOriginError, InvalidOptionError, InvalidStateError, ListenError, WorkerError,
} from '../src/errors.js';

t.test('every error code is documented in the package README', async (t) => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  for (const code of ERROR_CODES) t.ok(readme.includes(`\`${code}\``), `${code} documented`);
});

t.test('each subclass has its stable code, listed in ERROR_CODES, and names what failed', async (t) => {
  const errors: HttpOriginError[] = [
    new InvalidOptionError('port', 'must be an integer'),
    new FallbackRefusedError('UWS_USE_FALLBACK is set'),
    new AddressInUseError('127.0.0.1', 8080),
    new ListenError('::1', 80, 'EACCES'),
    new InvalidStateError('listen() twice'),
    new WorkerError(1, 'exited'),
  ];
  t.same(errors.map((e) => e.code).sort(), [...ERROR_CODES].sort());
  for (const e of errors) {
    t.ok(e instanceof HttpOriginError);
    t.ok(e instanceof Error);
    t.not(e.name, 'Error');
  }
  t.match(errors[0]?.message, /^port /);
  t.match(errors[2]?.message, '127.0.0.1:8080');
  t.match(errors[3]?.message, '[::1]:80');
  t.match(errors[1]?.message, 'allowFallback');
  t.ok(Object.isFrozen(ERROR_CODES));
});
