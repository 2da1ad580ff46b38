import t from 'tap';
import { fileURLToPath } from 'node:url';
import { run } from '@anycast-origin/testkit';
import { fallbackForced, uwsBackend, uwsFallbackReason } from '../src/backend.js';
import { TEXT, ID } from './fixtures/helpers.js';

const child = fileURLToPath(new URL('./fixtures/fallback-child.ts', import.meta.url));

async function runChild(env: Record<string, string>, arg: string): Promise<Record<string, unknown>> {
  const r = await run(process.execPath, [...process.execArgv, child, arg], { env: { ...process.env, ...env }, timeoutMs: 60_000 });
  const lines = r.stdout.trim().split('\n');
  const line = lines.pop() ?? '';
  try {
    const out = JSON.parse(line) as Record<string, unknown>;
    if (lines.length || r.stderr.trim()) out.printed = [...lines, r.stderr.trim()].filter(Boolean);
    return out;
  } catch {
    throw new Error(`child exited ${r.code}: ${r.stdout}${r.stderr}`);
  }
}

t.test('the native binary loads here', async (t) => {
  t.equal(uwsBackend(), 'native');
  t.equal(uwsFallbackReason(), undefined);
});

t.test('UWS_USE_FALLBACK is read the way the package reads it', async (t) => {
  for (const v of ['1', 'true', 'True', 'TRUE']) t.ok(fallbackForced({ UWS_USE_FALLBACK: v }), v);
  for (const v of ['0', 'false', 'yes', '']) t.notOk(fallbackForced({ UWS_USE_FALLBACK: v }), v);
  t.notOk(fallbackForced({}));
});

t.test('the fallback is refused with a coded error, and nothing is printed', async (t) => {
  const out = await runChild({ UWS_USE_FALLBACK: '1' }, 'refuse');
  t.equal(out.backend, 'fallback');
  t.match(out.error, { code: 'HTTP_ORIGIN_ERR_FALLBACK_REFUSED', reason: 'UWS_USE_FALLBACK is set' });
  t.match((out.error as { message: string }).message, 'allowFallback');
  t.equal(out.printed, undefined, 'no console output from uWS or from us');
});

t.test('allowFallback: true serves from the fallback, on one thread, and says so', async (t) => {
  const out = await runChild({ UWS_USE_FALLBACK: '1' }, 'allow');
  t.same(out, {
    backend: 'fallback', status: 200, body: TEXT, servedBy: ID, metricsBackend: 'fallback', stats: { backend: 'fallback', workers: 1 },
  });
});
