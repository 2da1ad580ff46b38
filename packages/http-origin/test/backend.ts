import t from 'tap';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '@anycast-origin/testkit';
import { UWS_BUILDS, fallbackForced, probeBuilds, uwsBackend, uwsChoice, uwsFallbackReason } from '../src/backend.js';
import type { UwsBuild } from '../src/backend.js';
import { TEXT, ID, expectedUws } from './fixtures/helpers.js';

const child = fileURLToPath(new URL('./fixtures/fallback-child.ts', import.meta.url));
const FILE = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
const [B57, B30] = UWS_BUILDS as [UwsBuild, UwsBuild];

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

t.test('the build that fits this host (glibc, Node ABI) loads natively', async (t) => {
  const expected = expectedUws();
  t.not(expected, 'fallback', `a build has a binary for Node ${process.version} and this glibc (the other tests need one)`);
  t.equal(uwsBackend(), 'native');
  t.equal(uwsFallbackReason(), undefined);
  const choice = uwsChoice();
  t.equal(choice.build.version, expected, `Node ${process.version}: uWS ${expected}`);
  t.match(choice.binary, new RegExp(`${FILE.replace(/\./g, '\\.')}$`));
});

t.test('builds are tried newest first, each with its glibc floor', async (t) => {
  t.same(UWS_BUILDS.map((b) => [b.version, b.package, b.alias, b.glibc]), [
    ['20.57.0', '@btc-vision/uwebsockets.js', 'uWebSockets.js-20.57', '2.38'],
    ['20.30.0', '@trufflesuite/uws-js-unofficial', 'uWebSockets.js', '2.27'],
  ]);
  t.ok(B30.fallback, 'only 20.30 carries the pure-Node fallback');
  t.notOk(B57.fallback);
});

t.test('a build without a binary for this Node, or whose binary does not load, gives way to the next', async (t) => {
  const dir = t.testdir({ broken: { [FILE]: 'not an ELF file' } });
  const missing: UwsBuild = { ...B57, binaries: join(dir, 'none') };
  const broken: UwsBuild = { ...B57, binaries: join(dir, 'broken') };
  const real = expectedUws() === '20.57.0' ? B57 : B30;

  const skipped = probeBuilds([missing, real], {});
  t.equal(skipped.backend, 'native');
  t.equal(skipped.build.version, real.version);
  const past = probeBuilds([broken, real], {});
  t.equal(past.backend, 'native', 'a binary that fails to load is passed over');

  const none = probeBuilds([missing, { ...B30, binaries: join(dir, 'broken') }], {});
  t.equal(none.backend, 'fallback');
  t.equal(none.build.version, '20.30.0', 'the fallback comes from the build that has one');
  t.match(none.reason, `no native binary loads: uWS 20.57.0 has no ${FILE}; uWS 20.30.0 ${FILE} did not load (needs glibc >= 2.27): `);
  t.ok(none.cause instanceof Error, 'the first load error is kept as the cause');
  t.same(probeBuilds([B57, B30], { UWS_USE_FALLBACK: '1' }), { backend: 'fallback', build: B30, reason: 'UWS_USE_FALLBACK is set' });
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
