import t from 'tap';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { optionsTable, tableIn } from '@anycast-origin/options';
import { InvalidOptionError } from '../src/errors.js';
import { DEFAULTS, OPTIONS, resolveOptions } from '../src/options.js';
import { identity } from './fixtures/helpers.js';

t.test('defaults are frozen and applied', async (t) => {
  t.ok(Object.isFrozen(DEFAULTS));
  const o = resolveOptions({ identity });
  t.same(o, {
    identity, host: '127.0.0.1', port: 8080, workers: Math.min(availableParallelism(), 256), drainSeconds: 40,
    maxDataBytes: 1048576, benchmarkRoutes: false, metricsRoute: true, allowFallback: false, version: '0.0.0',
  });
  const z = resolveOptions({ identity, port: 0, drainSeconds: 0, maxDataBytes: 0, host: '::1', workers: 3, version: '1.2.3', allowFallback: true, benchmarkRoutes: true, metricsRoute: false });
  t.match(z, { port: 0, drainSeconds: 0, maxDataBytes: 0, host: '::1', workers: 3, version: '1.2.3', allowFallback: true, benchmarkRoutes: true, metricsRoute: false });
  t.equal(resolveOptions({ identity, drainSeconds: 0.25 }).drainSeconds, 0.25);
  const extra = () => 'x 1\n';
  t.equal(resolveOptions({ identity, metricsExtra: extra }).metricsExtra, extra);
});

t.test('every bad option is refused up front, naming the option, in the one message format', async (t) => {
  const bad: [Record<string, unknown>, string, RegExp][] = [
    [{ identity, prot: 80 }, 'prot', /^prot is not a known option \(known: identity, host, port, /],
    [{}, 'identity', /^identity is required \(an Identity/],
    [{ identity: { id: '' } }, 'identity', /^identity must be an Identity .*, got an object$/],
    [{ identity: { ...identity, id: 'a\r\nx: y' } }, 'identity', /^identity must be an Identity/],
    [{ identity, host: 'localhost' }, 'host', /^host must be an IPv4 or IPv6 address, got "localhost"$/],
    [{ identity, host: 1 }, 'host', /^host must be an IPv4 or IPv6 address, got 1$/],
    [{ identity, port: -1 }, 'port', /^port must be an integer 0\.\.65535, got -1$/],
    [{ identity, port: 65536 }, 'port', /^port must be an integer 0\.\.65535, got 65536$/],
    [{ identity, port: '80' }, 'port', /^port must be an integer 0\.\.65535, got "80"$/],
    [{ identity, port: 1.5 }, 'port', /, got 1\.5$/],
    [{ identity, workers: 0 }, 'workers', /^workers must be an integer 1\.\.256, got 0$/],
    [{ identity, workers: 1000 }, 'workers', /^workers must be an integer 1\.\.256/],
    [{ identity, drainSeconds: -1 }, 'drainSeconds', /^drainSeconds must be a number 0\.\.86400 \(s\), got -1$/],
    [{ identity, drainSeconds: Infinity }, 'drainSeconds', /, got Infinity$/],
    [{ identity, drainSeconds: '90' }, 'drainSeconds', /, got "90"$/],
    [{ identity, maxDataBytes: -1 }, 'maxDataBytes', /^maxDataBytes must be an integer 0\.\.1073741824 \(bytes\), got -1$/],
    [{ identity, maxDataBytes: 2 ** 40 }, 'maxDataBytes', /^maxDataBytes must be/],
    [{ identity, allowFallback: 'yes' }, 'allowFallback', /^allowFallback must be true or false, got "yes"$/],
    [{ identity, benchmarkRoutes: 1 }, 'benchmarkRoutes', /^benchmarkRoutes must be true or false/],
    [{ identity, metricsExtra: 'x' }, 'metricsExtra', /^metricsExtra must be a function returning Prometheus text, got "x"$/],
    [{ identity, version: 5 }, 'version', /^version must be a printable string of 1\.\.128 bytes, got 5$/],
    [{ identity, version: 'a\nb' }, 'version', /^version must be a printable string/],
  ];
  for (const [opts, name, message] of bad) {
    const err = t.throws(() => resolveOptions(opts), name) as InvalidOptionError;
    t.ok(err instanceof InvalidOptionError, `${name}: InvalidOptionError`);
    t.equal(err.option, name);
    t.equal(err.code, 'HTTP_ORIGIN_ERR_INVALID_OPTION');
    t.match(err.message, message);
  }
  for (const v of [null, 'x', []]) {
    const err = t.throws(() => resolveOptions(v)) as InvalidOptionError;
    t.equal(err.option, 'options');
  }
});

t.test('the README option table is the one the option descriptions make', async (t) => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  t.equal(tableIn(readme), optionsTable(OPTIONS));
});
