#!/usr/bin/env node
// Build the deployable artifact for hosts without a build toolchain:
//   apps/origin/artifact/anycast-origin-linux.tar.gz
// It holds anycast-origin/{package.json,dist,anycast-origin.service,node_modules} with the
// production dependencies, the uWebSockets.js native binaries for linux x64 and arm64 that
// load on the target base (other platforms, Node ABIs and builds pruned), the
// @anycast-origin/udp-mmsg addon prebuilt for both (the arm64 one cross-compiled: apt-get
// install gcc-aarch64-linux-gnu) and, unless --node system, the Node.js runtime for both
// (runtime/node-v<version>-<arch>, from the npm registry's node-linux-<arch>, checked against
// node-runtime.json). It refuses a native part that needs a newer glibc than the base has, and
// a base on which no uWS binary would load. The infra uploads it; the systemd unit runs it
// from /opt/anycast-origin. `--arch x64|arm64` keeps one architecture's native parts and
// Node.js only (the container image's context, scripts/image.mjs: one image per architecture);
// `--strip-node` strips the bundled Node.js of its symbols after its integrity check (the
// image's, -18 MB; artifact.json records the checked tarball and the shipped binary's sha256).
// node_modules keeps what runs: TypeScript declarations and sources, source maps, Markdown,
// tests, docs, benchmarks, examples, C/C++ sources and other platforms' prebuilds are left out
// (pruneNodeModules; licenses stay).
//   npm run package -w apps/origin [-- --base debian-13|ubuntu-24.04|al2023] [--node bundled|system] [--arch x64|arm64] [--strip-node] [--out FILE]
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_RUNTIME, fetchNodeRuntime, stripNodeRuntime } from './node-runtime.mjs';
import { installOffline, productionWorkspaces } from '../../../scripts/workspaces.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const app = resolve(here, '..');
const root = resolve(app, '../..');
const WORKSPACES = productionWorkspaces(root);
const MMSG = '@anycast-origin/udp-mmsg';
const ALL_ARCHES = ['x64', 'arm64'];
/** systemd's name of each architecture (the unit's %a specifier picks the runtime directory). */
const SYSTEMD_ARCH = { x64: 'x86-64', arm64: 'arm64' };
/** Node.js ABI (process.versions.modules) of each major. */
const NODE_ABI = { 18: 108, 20: 115, 22: 127, 24: 137, 26: 141 };

/**
 * Target bases: their glibc, and the Node.js their own packages give (used with --node system).
 * Debian 13 and Ubuntu 24.04 have glibc >= 2.38, so uWS 20.57 loads there with the bundled
 * Node 24; Amazon Linux 2023 (glibc 2.34) only runs uWS 20.30 on its nodejs20 (end of life).
 */
const BASES = {
  'debian-13': { glibc: [2, 41], node: 'bundled', systemNode: { package: 'nodejs', major: 20, path: '/usr/bin/node' } },
  'ubuntu-24.04': { glibc: [2, 39], node: 'bundled', systemNode: { package: 'nodejs', major: 18, path: '/usr/bin/node' } },
  al2023: { glibc: [2, 34], node: 'system', systemNode: { package: 'nodejs20', major: 20, path: '/usr/bin/node-20' } },
};

/** The uWS builds in node_modules (the http-origin's aliased dependencies). */
const UWS = [
  { alias: 'uWebSockets.js-20.57', version: '20.57.0', binaries: '.' },
  { alias: 'uWebSockets.js', version: '20.30.0', binaries: 'binaries' },
];

/** Directories and files in node_modules that nothing loads at run time (licenses excepted). */
const PRUNE_DIRS = new Set(['test', 'tests', '__tests__', 'bench', 'benchmark', 'benchmarks', 'example', 'examples', 'docs', '.github']);
const PRUNE_FILES = /\.(?:[cm]?ts|map|md|markdown|c|cc|cpp|h|hh|hpp|gyp|gypi)$/i;
const LICENSE = /^(?:licen[cs]e|copying|notice)/i;

const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const fail = (m) => {
  process.stderr.write(`package: ${m}\n`);
  process.exit(1);
};
const baseName = arg('--base') ?? 'debian-13';
const base = BASES[baseName];
if (!base) fail(`--base must be one of ${Object.keys(BASES).join(', ')}, got ${baseName}`);
const nodeMode = arg('--node') ?? base.node;
if (nodeMode !== 'bundled' && nodeMode !== 'system') fail(`--node must be bundled or system, got ${nodeMode}`);
const archArg = arg('--arch');
if (archArg !== undefined && !ALL_ARCHES.includes(archArg)) fail(`--arch must be one of ${ALL_ARCHES.join(', ')}, got ${archArg}`);
const ARCHES = archArg ? [archArg] : ALL_ARCHES;
const stripNode = process.argv.includes('--strip-node');
if (stripNode && nodeMode !== 'bundled') fail('--strip-node strips the bundled Node.js: it needs --node bundled');
const out = arg('--out') ? resolve(arg('--out')) : join(app, 'artifact', 'anycast-origin-linux.tar.gz');
const nodeMajor = nodeMode === 'bundled' ? Number(NODE_RUNTIME.version.split('.')[0]) : base.systemNode.major;
const abi = NODE_ABI[nodeMajor];
const nodeBin = nodeMode === 'bundled' ? `/opt/anycast-origin/runtime/node-v${NODE_RUNTIME.version}-%a/bin/node` : base.systemNode.path;

const sh = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
const say = (m) => process.stderr.write(`package: ${m}\n`);
const newer = (a, b) => a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);

const uwsKeep = chooseUws(join(root, 'node_modules'));
say(`base ${baseName} (glibc ${base.glibc.join('.')}), Node.js ${nodeMode === 'bundled' ? `${NODE_RUNTIME.version} bundled` : `${nodeMajor} from the base (${base.systemNode.package})`}, ABI ${abi}`);
say('building');
sh('npx', ['turbo', 'run', 'build', '--filter=anycast-origin...', '--output-logs=errors-only'], root);
for (const arch of ARCHES) {
  if (arch === process.arch) continue; // the build above made the host's prebuild
  say(`cross-compiling ${MMSG} for linux-${arch}`);
  try {
    sh(process.execPath, ['scripts/build.mjs', '--arch', arch], join(root, 'packages', 'udp-mmsg'));
  } catch (err) {
    fail(`cannot build ${MMSG} for ${arch} (apt-get install gcc-aarch64-linux-gnu): ${err.message}`);
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
  say('installing production dependencies');
  // Offline: the workspaces' tarballs, and the repository's locked third-party versions from
  // npm's cache, which its own `npm ci` filled (the artifact is what was installed and tested).
  installOffline(root, dir, WORKSPACES.filter((ws) => ws !== 'apps/origin').map((ws) => ({ dir: ws, tarball: packed[JSON.parse(readFileSync(join(root, ws, 'package.json'), 'utf8')).name] })), { as: 'apps/origin', npmArgs: ['--ignore-scripts', '--omit=dev'] });

  // uWS: keep the binaries chosen above, drop every other platform, ABI and build, wherever
  // the package has them (uWS 20.30 also ships unused copies in dist/: 20 MiB).
  const natives = [];
  for (const build of UWS) {
    const pkgDir = join(dir, 'node_modules', build.alias);
    const bin = join(pkgDir, build.binaries);
    for (const f of readdirSync(pkgDir, { recursive: true }).filter((f) => f.endsWith('.node'))) {
      const chosen = uwsKeep.find((k) => k.build === build && join(pkgDir, f) === join(bin, k.file));
      if (chosen) natives.push({ what: `uWS ${build.version} ${chosen.file}`, file: join(pkgDir, f) });
      else rmSync(join(pkgDir, f));
    }
    for (const extra of ['docs', 'src/uws.d.ts', 'index.d.ts', 'ESM_wrapper.mjs']) rmSync(join(pkgDir, extra), { recursive: true, force: true });
  }
  const pruned = pruneNodeModules(join(dir, 'node_modules'));
  say(`left out of node_modules: ${pruned.files} files, ${(pruned.bytes / 1e6).toFixed(1)} MB (declarations, sources, maps, docs, tests, other platforms' prebuilds)`);
  for (const twin of dropCommonJsTwins(dir)) say(`left out ${twin.name}'s CommonJS copy (${twin.files} .cjs files, ${(twin.bytes / 1e6).toFixed(1)} MB): only imported, never required`);
  for (const arch of ARCHES) {
    const addon = join(dir, 'node_modules', MMSG, 'prebuilds', `linux-${arch}`, 'node.napi.node');
    if (!existsSync(addon)) fail(`${MMSG} prebuild for linux-${arch} missing from the package`);
    natives.push({ what: `${MMSG} linux-${arch}`, file: addon });
  }
  // Each runtime: the pinned package, checked, then (--strip-node) stripped; artifact.json says
  // which tarball it came from and, when stripped, the sha256 of the binary shipped.
  const runtimes = {};
  if (nodeMode === 'bundled') {
    for (const arch of ARCHES) {
      const pin = NODE_RUNTIME.packages[arch];
      say(`Node.js ${NODE_RUNTIME.version} for linux-${arch} (${pin.name}, integrity-checked)`);
      const node = fetchNodeRuntime(arch, join(dir, 'runtime', `node-v${NODE_RUNTIME.version}-${SYSTEMD_ARCH[arch]}`));
      runtimes[arch] = { package: `${pin.name}@${NODE_RUNTIME.version}`, integrity: pin.integrity, stripped: false };
      if (stripNode) {
        const s = stripNodeRuntime(node, arch);
        say(`stripped linux-${arch}'s bin/node with ${s.tool}: ${(s.before / 1e6).toFixed(1)} -> ${(s.after / 1e6).toFixed(1)} MB`);
        if (arch === process.arch) {
          const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
          if (version !== `v${NODE_RUNTIME.version}`) fail(`the stripped Node.js says ${version}, not v${NODE_RUNTIME.version}`);
        }
        runtimes[arch] = { ...runtimes[arch], stripped: true, sha256: s.sha256 };
      }
      natives.push({ what: `Node.js linux-${arch}`, file: node });
    }
  }
  // Every native part must load on the base: none may need a newer glibc than it has.
  for (const n of natives) {
    const needs = glibcNeeded(readFileSync(n.file));
    if (newer(needs, base.glibc)) fail(`${n.what} needs glibc ${needs.join('.')}, newer than ${baseName}'s ${base.glibc.join('.')}`);
  }

  // The unit runs the Node.js this artifact is for.
  const unitFile = join(dir, 'anycast-origin.service');
  if (!existsSync(join(dir, 'dist', 'cli.js')) || !existsSync(unitFile)) fail('dist/cli.js or anycast-origin.service missing from the package');
  const unit = readFileSync(unitFile, 'utf8');
  const exec = /^ExecStart=(\S+) \/opt\/anycast-origin\/dist\/cli\.js/m;
  if (!exec.test(unit)) fail('anycast-origin.service has no ExecStart=<node> /opt/anycast-origin/dist/cli.js line');
  writeFileSync(unitFile, unit.replace(exec, `ExecStart=${nodeBin} /opt/anycast-origin/dist/cli.js`));
  writeFileSync(join(dir, 'artifact.json'), JSON.stringify({
    base: baseName, glibc: base.glibc.join('.'), arches: ARCHES, node: nodeMode === 'bundled' ? { bundled: NODE_RUNTIME.version, runtimes } : { system: base.systemNode }, abi, execStart: nodeBin,
  }, null, 2) + '\n');

  mkdirSync(dirname(out), { recursive: true });
  sh('tar', ['--owner=0', '--group=0', '--numeric-owner', '-czf', out, '-C', stage, 'anycast-origin'], stage);
  const sha = createHash('sha256').update(readFileSync(out)).digest('hex');
  say(`wrote ${out} (${(statSync(out).size / 1048576).toFixed(1)} MiB, sha256 ${sha})`);
  process.stdout.write(`${out}\n`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}

/**
 * For each arch, the first uWS build with a linux binary for the target ABI whose glibc needs
 * the base meets (read from the workspace's node_modules, the same packages the artifact
 * installs); fails before anything is built when an arch gets none.
 */
function chooseUws(modules) {
  const keep = [];
  for (const arch of ARCHES) {
    const file = `uws_linux_${arch}_${abi}.node`;
    const build = UWS.find((b) => {
      const f = join(modules, b.alias, b.binaries, file);
      return existsSync(f) && !newer(glibcNeeded(readFileSync(f)), base.glibc);
    });
    if (!build) fail(`no uWebSockets.js binary loads on ${baseName} (glibc ${base.glibc.join('.')}) with Node.js ${nodeMajor} (ABI ${abi}) on ${arch}: uWS 20.57 needs glibc >= 2.38, uWS 20.30 has binaries for Node 18/20 only`);
    keep.push({ build, file });
  }
  return keep;
}

/**
 * Remove from node_modules what runs nowhere: PRUNE_DIRS, PRUNE_FILES (TypeScript sources and
 * declarations, source maps, Markdown, C/C++ sources and gyp files of addons that come
 * prebuilt) and, in `prebuilds/` (node-gyp-build's layout), every platform but linux-<arch>
 * for this artifact's arches and the musl builds (every base is glibc). Returns what went.
 */
function pruneNodeModules(modules) {
  const keepPrebuilds = new Set(ARCHES.map((a) => `linux-${a}`));
  let files = 0;
  let bytes = 0;
  const remove = (path) => {
    const st = statSync(path);
    if (st.isDirectory()) for (const e of readdirSync(path)) remove(join(path, e));
    else {
      files++;
      bytes += st.size;
    }
    rmSync(path, { recursive: true, force: true });
  };
  // Returns whether it removed anything in d: a directory this emptied goes too (one that was
  // empty before, like uWS 20.30's pruned binaries/, stays).
  const walk = (d) => {
    let removed = false;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, e.name);
      if (e.isDirectory()) {
        if (PRUNE_DIRS.has(e.name) || (basename(d) === 'prebuilds' && !keepPrebuilds.has(e.name))) remove(path);
        else if (!walk(path)) continue;
        else if (readdirSync(path).length === 0) rmSync(path, { recursive: true });
        removed = true;
      } else if (e.isFile() && !LICENSE.test(e.name) && (PRUNE_FILES.test(e.name) || (basename(dirname(d)) === 'prebuilds' && e.name.includes('.musl.')))) {
        remove(path);
        removed = true;
      }
    }
    return removed;
  };
  walk(modules);
  return { files, bytes };
}

/**
 * Dual packages (zod) ship their code twice, as ESM for `import` and as CommonJS (.cjs) for
 * `require`. A package whose every `require` target (where it differs from the `import` one)
 * is a .cjs file, whose ESM files name no
 * .cjs file, and which nothing in the artifact (dist/, node_modules/) requires loses its .cjs
 * files: `import` never reaches them. Returns what went, per package.
 */
function dropCommonJsTwins(root) {
  const modules = join(root, 'node_modules');
  const packages = readdirSync(modules).filter((n) => !n.startsWith('.')).flatMap((n) => (n.startsWith('@') ? readdirSync(join(modules, n)).map((m) => `${n}/${m}`) : [n]));
  const code = [join(root, 'dist'), modules].flatMap((d) => readdirSync(d, { recursive: true }).map(String).filter((f) => /\.[cm]?js$/.test(f)).map((f) => join(d, f)).filter((f) => statSync(f).isFile()));
  const dropped = [];
  for (const name of packages) {
    const pkgDir = join(modules, name);
    const pkgJson = join(pkgDir, 'package.json');
    if (!existsSync(pkgJson)) continue;
    const targets = [];
    const collect = (e) => {
      if (e && typeof e === 'object') {
        if (typeof e.require === 'string' || typeof e.import === 'string') targets.push({ require: e.require, import: e.import });
        else for (const v of Object.values(e)) collect(v);
      }
    };
    collect(JSON.parse(readFileSync(pkgJson, 'utf8')).exports);
    // (A pattern both conditions share, like zod's './v4/locales/*', leaves the extension to the caller.)
    const split = targets.filter((t) => t.require !== t.import);
    if (split.length === 0 || !split.every((t) => t.require?.endsWith('.cjs') && typeof t.import === 'string' && !t.import.endsWith('.cjs'))) continue;
    const own = readdirSync(pkgDir, { recursive: true }).map(String).filter((f) => !f.split('/').includes('node_modules'));
    const cjs = own.filter((f) => f.endsWith('.cjs') && statSync(join(pkgDir, f)).isFile());
    if (own.some((f) => /\.m?js$/.test(f) && statSync(join(pkgDir, f)).isFile() && readFileSync(join(pkgDir, f), 'utf8').includes('.cjs'))) continue;
    const required = new RegExp(`require\\(\\s*['"\`]${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}['"\`/]`);
    if (code.some((f) => !f.startsWith(pkgDir + '/') && required.test(readFileSync(f, 'utf8')))) continue;
    let bytes = 0;
    for (const f of cjs) {
      bytes += statSync(join(pkgDir, f)).size;
      rmSync(join(pkgDir, f));
    }
    dropped.push({ name, files: cjs.length, bytes });
  }
  return dropped;
}

/** The newest GLIBC_x.y symbol version an ELF file references (from its version strings). */
function glibcNeeded(elf) {
  let best = [0, 0];
  for (const m of elf.toString('latin1').matchAll(/GLIBC_(\d+)\.(\d+)/g)) {
    const v = [Number(m[1]), Number(m[2])];
    if (newer(v, best)) best = v;
  }
  return best;
}
