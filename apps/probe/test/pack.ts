import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '@anycast-origin/testkit';
import { installOffline, productionWorkspaces } from '../../../scripts/workspaces.mjs';
import { SEED_DIAL_100 } from './fixtures/atlas.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const WORKSPACES = productionWorkspaces(ROOT, '@anycast-origin/probe');

t.test('npm pack: the tarballs install offline into an empty directory, and probe runs there (map included)', async (t) => {
  const dir = t.testdir({});
  const tarballs: { dir: string; tarball: string }[] = [];
  t.equal(WORKSPACES[WORKSPACES.length - 1], 'apps/probe');
  for (const ws of WORKSPACES) {
    const r = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: join(ROOT, ws), timeoutMs: 60_000 });
    t.equal(r.code, 0, `npm pack ${ws}: ${r.stderr}`);
    const [info] = JSON.parse(r.stdout) as { filename: string; files: { path: string }[] }[];
    if (!info) throw new Error('npm pack printed nothing');
    if (ws === 'apps/probe') {
      for (const f of ['bin/probe.js', 'dist/cli.js', 'dist/index.js', 'dist/index.d.ts', 'README.md']) t.ok(info.files.some((x) => x.path === f), `ships ${f}`);
      t.notOk(info.files.some((f) => f.path.startsWith('test/') || (f.path.endsWith('.ts') && !f.path.endsWith('.d.ts'))), 'no tests, no TypeScript sources');
    }
    tarballs.push({ dir: ws, tarball: join(dir, info.filename) });
  }
  // Offline: the tarballs, and the repository's locked third-party versions from npm's cache.
  t.doesNotThrow(() => installOffline(ROOT, dir, tarballs), 'npm ci --offline');

  const help = await run('npx', ['--no-install', 'probe', '--help'], { cwd: dir });
  t.equal(help.code, 0, help.stderr);
  t.match(help.stdout, /Usage: probe/);
  const atlas = await run(join(dir, 'node_modules', '.bin', 'probe'), ['atlas', SEED_DIAL_100, '--output', 'json', '--map', join(dir, 'map.png'), '--map-width', '640'], { cwd: dir });
  t.equal(atlas.code, 0, atlas.stderr);
  t.match(JSON.parse(atlas.stdout), { probes: 470, regions: { 'eu-central-1': { count: 352 } } });
  t.same([...readFileSync(join(dir, 'map.png')).subarray(1, 4)], [...Buffer.from('PNG')], 'resvg and the Natural Earth land load from the installed copy');
  const predict = await run(join(dir, 'node_modules', '.bin', 'probe'), ['predict', '--catchment', SEED_DIAL_100, '--dial', 'eu-central-1=50', '--output', 'json'], { cwd: dir });
  t.equal(predict.code, 0, predict.stderr);
  t.match(JSON.parse(predict.stdout), { probes: 470, regions: { 'eu-central-1': { count: 176 } } }, "the routing model loads from the installed emulator package");
});
