#!/usr/bin/env node
// Build the deployable artifact for hosts without a build toolchain:
//   apps/origin/artifact/anycast-origin-linux.tar.gz
// It holds anycast-origin/{package.json,dist,anycast-origin.service,node_modules} with the
// production dependencies, the uWebSockets.js native binaries for linux x64 and arm64
// (other platforms pruned) and the @anycast-origin/udp-mmsg addon prebuilt for both (the
// arm64 one cross-compiled: apt-get install gcc-aarch64-linux-gnu). The infra uploads it; the systemd unit runs it from
// /opt/anycast-origin. Usage: npm run package -w apps/origin [-- --out FILE]
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { productionWorkspaces } from './workspaces.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const app = resolve(here, '..');
const root = resolve(app, '../..');
const outArg = process.argv.indexOf('--out');
const out = outArg > 0 ? resolve(process.argv[outArg + 1]) : join(app, 'artifact', 'anycast-origin-linux.tar.gz');
const WORKSPACES = productionWorkspaces(root);
const MMSG = '@anycast-origin/udp-mmsg';
const ARCHES = ['x64', 'arm64'];
// The hosts run Amazon Linux 2023 (glibc 2.34): no native part may need a newer glibc.
const HOST_GLIBC = [2, 34];
const KEEP_UWS = /^uws_linux_(x64|arm64)_(108|115)\.node$/; // Node 18 and 20 ABIs

const sh = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
const say = (m) => process.stderr.write(`package: ${m}\n`);

say('building');
sh('npx', ['turbo', 'run', 'build', '--filter=anycast-origin...', '--output-logs=errors-only'], root);
for (const arch of ARCHES) {
  if (arch === process.arch) continue; // the build above made the host's prebuild
  say(`cross-compiling ${MMSG} for linux-${arch}`);
  try {
    sh(process.execPath, ['scripts/build.mjs', '--arch', arch], join(root, 'packages', 'udp-mmsg'));
  } catch (err) {
    throw new Error(`cannot build ${MMSG} for ${arch} (apt-get install gcc-aarch64-linux-gnu): ${err.message}`);
  }
}

const stage = mkdtempSync(join(tmpdir(), 'anycast-origin-package-'));
try {
  const tarballs = join(stage, 'tarballs');
  mkdirSync(tarballs);
  const packed = {};
  for (const ws of WORKSPACES) {
    const [info] = JSON.parse(sh('npm', ['pack', '--json', '--pack-destination', tarballs], join(root, ws)));
    packed[info.name] = join(tarballs, info.filename);
  }
  const dir = join(stage, 'anycast-origin');
  mkdirSync(dir);
  sh('tar', ['-xzf', packed['anycast-origin'], '-C', dir, '--strip-components=1'], stage);
  const pkgFile = join(dir, 'package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
  const original = { ...pkg.dependencies };
  for (const name of Object.keys(pkg.dependencies)) if (packed[name]) pkg.dependencies[name] = `file:${packed[name]}`;
  // The DNS origin's optional dependency is not on the registry: install it from its tarball.
  pkg.dependencies[MMSG] = `file:${packed[MMSG]}`;
  delete pkg.devDependencies;
  writeFileSync(pkgFile, JSON.stringify(pkg, null, 2) + '\n');
  say('installing production dependencies');
  // Offline: the tarballs above, and the third-party packages from npm's cache, which the
  // repository's own `npm ci` filled (the artifact is built from what was installed and tested).
  sh('npm', ['install', '--omit=dev', '--install-links', '--ignore-scripts', '--no-audit', '--no-fund', '--no-package-lock', '--offline'], dir);
  pkg.dependencies = original;
  writeFileSync(pkgFile, JSON.stringify(pkg, null, 2) + '\n');

  const bin = join(dir, 'node_modules', 'uWebSockets.js', 'binaries');
  let kept = 0;
  for (const f of readdirSync(bin)) {
    if (KEEP_UWS.test(f)) kept++;
    else rmSync(join(bin, f));
  }
  if (kept !== 4) throw new Error(`expected 4 uWS linux binaries (x64/arm64 x Node 18/20), found ${kept}`);
  for (const extra of ['docs', 'src/uws.d.ts']) rmSync(join(dir, 'node_modules', 'uWebSockets.js', extra), { recursive: true, force: true });
  for (const arch of ARCHES) {
    const addon = join(dir, 'node_modules', MMSG, 'prebuilds', `linux-${arch}`, 'node.napi.node');
    if (!existsSync(addon)) throw new Error(`${MMSG} prebuild for linux-${arch} missing from the package`);
    const needs = glibcNeeded(readFileSync(addon));
    if (needs[0] > HOST_GLIBC[0] || (needs[0] === HOST_GLIBC[0] && needs[1] > HOST_GLIBC[1])) {
      throw new Error(`${MMSG} for linux-${arch} needs glibc ${needs.join('.')}, newer than Amazon Linux 2023's ${HOST_GLIBC.join('.')}`);
    }
  }
  if (!existsSync(join(dir, 'dist', 'cli.js')) || !existsSync(join(dir, 'anycast-origin.service'))) throw new Error('dist/cli.js or anycast-origin.service missing from the package');

  mkdirSync(dirname(out), { recursive: true });
  sh('tar', ['--owner=0', '--group=0', '--numeric-owner', '-czf', out, '-C', stage, 'anycast-origin'], stage);
  const sha = createHash('sha256').update(readFileSync(out)).digest('hex');
  say(`wrote ${out} (${(statSync(out).size / 1048576).toFixed(1)} MiB, sha256 ${sha})`);
  process.stdout.write(`${out}\n`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}

/** The newest GLIBC_x.y symbol version a shared object references (from its version strings). */
function glibcNeeded(elf) {
  let best = [0, 0];
  for (const m of elf.toString('latin1').matchAll(/GLIBC_(\d+)\.(\d+)/g)) {
    const v = [Number(m[1]), Number(m[2])];
    if (v[0] > best[0] || (v[0] === best[0] && v[1] > best[1])) best = v;
  }
  return best;
}
