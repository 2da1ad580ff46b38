#!/usr/bin/env node
// Fetch the pinned Node.js runtime (node-runtime.json) from the npm registry's
// node-linux-<arch> package and unpack bin/node and its LICENSE into a directory. The tarball
// is checked against the pinned sha512 integrity before anything is unpacked, so a
// republished or tampered package is refused, not run. Used by the artifact script
// (npm run package -- --node) and by the CI's Debian 13 root (.ci/debian13). The container
// image ships the binary stripped of its symbol tables and debug sections (stripNodeRuntime,
// -18 MB): done here on the build host with binutils' strip, after the check, so what is
// stripped is the checked binary and nothing is fetched for it.
//   node apps/origin/scripts/node-runtime.mjs --arch x64|arm64 --out DIR   (prints DIR/bin/node)
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** The pins: { version, packages: { x64: { name, integrity }, arm64: { name, integrity } } }. */
export const NODE_RUNTIME = JSON.parse(readFileSync(join(here, '..', 'node-runtime.json'), 'utf8'));
export const NODE_ARCHES = Object.keys(NODE_RUNTIME.packages);

/** sha512 integrity (SRI) of a file, as npm writes it. */
export function integrityOf(file) {
  return `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;
}

/**
 * Unpack the pinned node-linux-<arch> into `out` (bin/node, LICENSE); returns the node binary's
 * path. Throws when the registry's tarball does not match the pinned integrity.
 */
export function fetchNodeRuntime(arch, out) {
  const pin = NODE_RUNTIME.packages[arch];
  if (!pin) throw new Error(`no Node.js runtime pinned for ${arch} (pinned: ${NODE_ARCHES.join(', ')})`);
  const spec = `${pin.name}@${NODE_RUNTIME.version}`;
  const tmp = mkdtempSync(join(tmpdir(), 'node-runtime-'));
  try {
    const packed = JSON.parse(execFileSync('npm', ['pack', spec, '--json', '--pack-destination', tmp], { cwd: tmp, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
    const tgz = join(tmp, packed[0].filename);
    const got = integrityOf(tgz);
    if (got !== pin.integrity) throw new Error(`${spec}: tarball integrity ${got} does not match the pinned ${pin.integrity} (node-runtime.json)`);
    mkdirSync(out, { recursive: true });
    execFileSync('tar', ['-xzf', tgz, '-C', out, '--strip-components=1', '--no-same-owner', 'package/bin/node', 'package/LICENSE']);
    return join(out, 'bin', 'node');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** GNU triplets of the pinned architectures (binutils names its cross tools by them). */
const TRIPLET = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' };

/**
 * Strip the symbol tables and debug sections from an unpacked Node.js binary of `arch`, in
 * place (the dynamic symbols native addons link against stay). Uses binutils' strip for that
 * architecture: `<triplet>-strip` (binutils-x86-64-linux-gnu, binutils-aarch64-linux-gnu), or
 * plain `strip` for the host's own. Returns the shipped file's sha256 and the sizes before and after.
 */
export function stripNodeRuntime(node, arch) {
  const triplet = TRIPLET[arch];
  if (!triplet) throw new Error(`cannot strip Node.js for ${arch} (known: ${Object.keys(TRIPLET).join(', ')})`);
  const onPath = (cmd) => spawnSync('sh', ['-c', 'command -v "$1" >/dev/null', 'sh', cmd]).status === 0;
  const tool = onPath(`${triplet}-strip`) ? `${triplet}-strip` : arch === process.arch && onPath('strip') ? 'strip' : undefined;
  if (!tool) throw new Error(`no strip for linux-${arch}: apt-get install binutils-${triplet.replaceAll('_', '-')}`);
  const before = statSync(node).size;
  execFileSync(tool, ['--strip-all', node], { stdio: ['ignore', 'ignore', 'inherit'] });
  return { tool, before, after: statSync(node).size, sha256: createHash('sha256').update(readFileSync(node)).digest('hex') };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const arch = arg('--arch') ?? process.arch;
  const out = arg('--out');
  if (!out) {
    process.stderr.write('usage: node-runtime.mjs --arch x64|arm64 --out DIR\n');
    process.exit(2);
  }
  try {
    process.stdout.write(`${fetchNodeRuntime(arch, resolve(out))}\n`);
  } catch (err) {
    process.stderr.write(`node-runtime: ${err.message}\n`);
    process.exit(1);
  }
}
