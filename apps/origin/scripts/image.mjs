#!/usr/bin/env node
// Build the origin's container image (apps/origin/Containerfile) from a build context that
// holds everything the image needs beyond its base, so the build fetches nothing: the
// deployable artifact for one architecture (scripts/package.mjs --base debian-13 --node
// bundled --arch <arch> --strip-node) with its Node.js runtime from the npm registry's
// node-linux-<arch>, checked against the integrity node-runtime.json pins, then stripped of
// its symbols (binutils' strip, here). Then podman (or docker) builds it.
//   npm run image -w apps/origin [-- --arch x64|arm64] [--tag TAG] [--context DIR] [--context-only] [-- ENGINE-BUILD-ARGS...]
// Environment: BASE overrides the base image (default: the Containerfile's public Debian 13
// slim); CONTAINER_ENGINE picks podman or docker (default: podman when it is installed).
// Prints the image's tag (or, with --context-only, the context directory) on stdout.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const app = resolve(here, '..');
const root = resolve(app, '../..');
const pkg = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'));
const ARCHES = ['x64', 'arm64'];
/** systemd's architecture names (%a in the artifact's ExecStart names the runtime's directory). */
const SYSTEMD_ARCH = { x64: 'x86-64', arm64: 'arm64' };
const ENGINES = ['podman', 'docker'];

const HELP = `usage: image.mjs [--arch x64|arm64] [--tag TAG] [--context DIR] [--context-only] [-- ENGINE-BUILD-ARGS...]

Builds the anycast-origin container image from apps/origin/Containerfile.

  --arch ARCH       architecture of the image's Node.js and native parts (default: ${process.arch})
  --tag TAG         image tag (default: anycast-origin:${pkg.version})
  --context DIR     where the build context is written (default: apps/origin/artifact/image-<arch>)
  --context-only    write the context, print its directory, build nothing
  -- ARGS           passed to '<engine> build' as they are

Environment: BASE (the base image; default the Containerfile's debian:trixie-slim),
CONTAINER_ENGINE (podman or docker; default podman when installed).
`;

const usage = (m) => {
  process.stderr.write(`image: ${m}\n`);
  process.exit(2);
};
const fail = (m) => {
  process.stderr.write(`image: ${m}\n`);
  process.exit(1);
};
const say = (m) => process.stderr.write(`image: ${m}\n`);
const has = (cmd) => spawnSync('sh', ['-c', 'command -v "$1" >/dev/null', 'sh', cmd]).status === 0;

// Arguments: ours before `--`, the engine's after.
const argv = process.argv.slice(2);
const sep = argv.indexOf('--');
const own = sep >= 0 ? argv.slice(0, sep) : argv;
const engineArgs = sep >= 0 ? argv.slice(sep + 1) : [];
const opts = { arch: process.arch, tag: `anycast-origin:${pkg.version}`, context: undefined, contextOnly: false };
for (let i = 0; i < own.length; i++) {
  const a = own[i];
  const value = () => (i + 1 < own.length ? own[++i] : usage(`${a} needs a value`));
  if (a === '-h' || a === '--help') {
    process.stdout.write(HELP);
    process.exit(0);
  } else if (a === '--arch') opts.arch = value();
  else if (a === '--tag') opts.tag = value();
  else if (a === '--context') opts.context = resolve(value());
  else if (a === '--context-only') opts.contextOnly = true;
  else usage(`unknown argument ${a} (--help lists them)`);
}
if (!ARCHES.includes(opts.arch)) usage(`--arch must be one of ${ARCHES.join(', ')}, got ${opts.arch}`);
const engine = process.env.CONTAINER_ENGINE || (has('podman') ? 'podman' : 'docker');
if (!ENGINES.includes(engine)) usage(`CONTAINER_ENGINE must be one of ${ENGINES.join(', ')}, got ${engine}`);
const context = opts.context ?? join(app, 'artifact', `image-${opts.arch}`);

// The context: the Containerfile, the artifact and the link to its Node.js, nothing else.
rmSync(context, { recursive: true, force: true });
mkdirSync(context, { recursive: true });
copyFileSync(join(app, 'Containerfile'), join(context, 'Containerfile'));
say(`artifact for linux-${opts.arch} with Node.js into ${context}`);
const packaged = spawnSync(process.execPath, [join(here, 'package.mjs'), '--base', 'debian-13', '--node', 'bundled', '--arch', opts.arch, '--strip-node', '--out', join(context, 'anycast-origin-linux.tar.gz')], { stdio: ['ignore', 'ignore', 'inherit'] });
if (packaged.status !== 0) fail('the artifact could not be built (see above)');
// /usr/local/bin/node -> the runtime in the artifact (the Containerfile's fixed path to it).
const artifact = JSON.parse(execFileSync('tar', ['-xzOf', join(context, 'anycast-origin-linux.tar.gz'), 'anycast-origin/artifact.json'], { encoding: 'utf8' }));
const link = mkdtempSync(join(tmpdir(), 'anycast-origin-image-'));
try {
  mkdirSync(join(link, 'usr', 'local', 'bin'), { recursive: true });
  symlinkSync(artifact.execStart.replace('%a', SYSTEMD_ARCH[opts.arch]), join(link, 'usr', 'local', 'bin', 'node'));
  execFileSync('tar', ['--owner=0', '--group=0', '--numeric-owner', '-cf', join(context, 'node-link.tar'), '-C', link, 'usr/local/bin/node']);
} finally {
  rmSync(link, { recursive: true, force: true });
}
if (opts.contextOnly) {
  process.stdout.write(`${context}\n`);
  process.exit(0);
}

if (!has(engine)) fail(`${engine} not found: apt-get install podman runc (or set CONTAINER_ENGINE=docker)`);
const git = (...args) => {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
};
const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const source = (typeof rootPkg.repository === 'string' ? rootPkg.repository : rootPkg.repository?.url) || git('remote', 'get-url', 'origin');
const buildArgs = [
  'build', '--file', join(context, 'Containerfile'), '--tag', opts.tag,
  '--platform', `linux/${opts.arch === 'x64' ? 'amd64' : 'arm64'}`,
  '--build-arg', `VERSION=${pkg.version}`, '--build-arg', `SOURCE=${source}`, '--build-arg', `REVISION=${git('rev-parse', 'HEAD')}`,
  ...(process.env.BASE ? ['--build-arg', `BASE=${process.env.BASE}`] : []),
  // podman writes OCI images by default, and the OCI format has no HEALTHCHECK.
  ...(engine === 'podman' ? ['--format', 'docker'] : []),
  ...engineArgs, context,
];
say(`${engine} ${buildArgs.join(' ')}`);
const built = spawnSync(engine, buildArgs, { stdio: ['ignore', process.stderr, 'inherit'] });
if (built.status !== 0) fail(`${engine} build failed (exit ${built.status ?? built.signal})`);
process.stdout.write(`${opts.tag}\n`);
