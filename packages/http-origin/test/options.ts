import t from 'tap';
import { availableParallelism } from 'node:os';
import { DEFAULTS } from '../src/defaults.js';
import { InvalidOptionError } from '../src/errors.js';
import { resolveOptions } from '../src/options.js';
import { identity } from './fixtures/helpers.js';

t.test('defaults are frozen and applied', async (t) => {
  t.ok(Object.isFrozen(DEFAULTS));
  const o = resolveOptions({ identity });
  t.same(o, {
    identity, host: '127.0.0.1', port: 8080, threads: availableParallelism(), drainSeconds: 90,
    maxDataBytes: 1048576, allowFallback: false, version: '0.0.0',
  });
  const z = resolveOptions({ identity, port: 0, drainSeconds: 0, maxDataBytes: 0, host: '::1', threads: 3, version: '1.2.3', allowFallback: true });
  t.match(z, { port: 0, drainSeconds: 0, maxDataBytes: 0, host: '::1', threads: 3, version: '1.2.3', allowFallback: true });
  t.equal(resolveOptions({ identity, drainSeconds: 0.25 }).drainSeconds, 0.25);
});

t.test('every bad option is refused up front, naming the option', async (t) => {
  const bad: [Record<string, unknown>, string][] = [
    [{ identity, prot: 80 }, 'prot'],
    [{}, 'identity'],
    [{ identity: { id: '' } }, 'identity'],
    [{ identity: { ...identity, id: 'a\r\nx: y' } }, 'identity'],
    [{ identity, host: 'localhost' }, 'host'],
    [{ identity, host: 1 }, 'host'],
    [{ identity, port: -1 }, 'port'],
    [{ identity, port: 65536 }, 'port'],
    [{ identity, port: '80' }, 'port'],
    [{ identity, port: 1.5 }, 'port'],
    [{ identity, threads: 0 }, 'threads'],
    [{ identity, threads: 1000 }, 'threads'],
    [{ identity, drainSeconds: -1 }, 'drainSeconds'],
    [{ identity, drainSeconds: Infinity }, 'drainSeconds'],
    [{ identity, drainSeconds: '90' }, 'drainSeconds'],
    [{ identity, maxDataBytes: -1 }, 'maxDataBytes'],
    [{ identity, maxDataBytes: 2 ** 40 }, 'maxDataBytes'],
    [{ identity, allowFallback: 'yes' }, 'allowFallback'],
    [{ identity, version: 5 }, 'version'],
    [{ identity, version: 'a\nb' }, 'version'],
  ];
  for (const [opts, name] of bad) {
    const err = t.throws(() => resolveOptions(opts), name) as InvalidOptionError;
    t.ok(err instanceof InvalidOptionError, `${name}: InvalidOptionError`);
    t.equal(err.option, name);
    t.equal(err.code, 'HTTP_ORIGIN_ERR_INVALID_OPTION');
    t.match(err.message, new RegExp(`^option ${name}: `));
  }
  for (const v of [null, 'x', []]) {
    const err = t.throws(() => resolveOptions(v)) as InvalidOptionError;
    t.equal(err.option, 'options');
  }
});
