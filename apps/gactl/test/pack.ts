/**
 * `npm pack` of gactl and the workspaces it needs at run time installs, offline, into an empty
 * directory (no workspace around: real copies; third-party packages at the repository's locked
 * versions, see scripts/workspaces.mjs), and the installed `gactl` runs: --help, and a status
 * against the emulator. The bin is the committed launcher npm links at install time.
 */
import t from 'tap';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '@anycast-origin/testkit';
import { installOffline, productionWorkspaces } from '../../../scripts/workspaces.mjs';
import { baseEnv, seed } from './fixtures/seed.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const WORKSPACES = productionWorkspaces(ROOT, '@anycast-origin/gactl');

t.test('the tarballs install offline into an empty directory and gactl runs there', async (t) => {
  // ga-emulator for its routing model (the autopilot predicts where shed traffic lands with it), and its relay addon
  t.same(WORKSPACES, ['packages/options', 'packages/config', 'packages/tcp-relay', 'packages/ga-emulator', 'apps/gactl'], 'its run-time workspaces, itself last');
  const dir = t.testdir({});
  const tarballs: { dir: string; tarball: string }[] = [];
  for (const ws of WORKSPACES) {
    const r = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: join(ROOT, ws), timeoutMs: 60_000 });
    t.equal(r.code, 0, `npm pack ${ws}: ${r.stderr}`);
    const [info] = JSON.parse(r.stdout) as { filename: string; files: { path: string }[] }[];
    if (!info) throw new Error('npm pack printed nothing');
    t.ok(info.files.some((f) => f.path === 'dist/index.js'), `${ws} ships dist`);
    t.notOk(info.files.some((f) => f.path.endsWith('.ts') && !f.path.endsWith('.d.ts')), `${ws} ships no TypeScript sources`);
    t.notOk(info.files.some((f) => f.path.startsWith('test/')), `${ws} ships no tests`);
    if (ws === 'apps/gactl') t.ok(info.files.some((f) => f.path === 'bin/gactl.js'), 'the launcher');
    tarballs.push({ dir: ws, tarball: join(dir, info.filename) });
  }
  // Offline: the tarballs, and the repository's locked third-party versions from npm's cache.
  t.doesNotThrow(() => installOffline(ROOT, dir, tarballs), 'npm ci --offline');
  t.same(readdirSync(join(dir, 'node_modules', '@anycast-origin')).sort(), ['config', 'ga-emulator', 'gactl', 'options', 'tcp-relay'], 'real copies');

  const help = await run('npx', ['--no-install', 'gactl', '--help'], { cwd: dir, env: baseEnv() });
  t.equal(help.code, 0, help.stderr);
  t.match(help.stdout, /^Usage: gactl \[options\] \[command\]/);
  t.equal(help.stderr, '');

  const s = await seed(t, { addressPool: '127.87.1.0/24' });
  const status = await run(join(dir, 'node_modules', '.bin', 'gactl'), ['--output', 'json', 'status'], { cwd: dir, env: s.env });
  t.equal(status.code, 0, status.stderr);
  t.equal((JSON.parse(status.stdout) as { accelerator: { arn: string } }).accelerator.arn, s.acceleratorArn);
});
