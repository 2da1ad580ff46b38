import t from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  AddressInUseError, DnsOriginError, ERROR_CODES, InvalidOptionError, ListenError, InvalidStateError, WorkerError,
} from '../src/index.js';

t.test('every error is a DnsOriginError with a code from ERROR_CODES', async (t) => {
  const errors = [
    new InvalidOptionError('rrl.slip', 'must be an integer 0..10'),
    new AddressInUseError('127.0.0.1', 53),
    new ListenError('::1', 53, 'EACCES'),
    new InvalidStateError('listen() called while closed'),
    new WorkerError('worker exited'),
  ];
  t.same(errors.map((e) => e.code).sort(), [...ERROR_CODES].sort());
  for (const e of errors) {
    t.ok(e instanceof DnsOriginError);
    t.ok(e instanceof Error);
    t.not(e.name, 'Error');
  }
  t.equal(new AddressInUseError('::1', 8053).message, 'address in use: [::1]:8053 (UDP or TCP)');
  t.equal(new InvalidOptionError('rrl.slip', 'must be an integer 0..10').option, 'rrl.slip');
  t.ok(Object.isFrozen(ERROR_CODES));
});

t.test('the package README documents every error code', async (t) => {
  const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
  for (const code of ERROR_CODES) t.match(readme, `\`${code}\``, code);
});
