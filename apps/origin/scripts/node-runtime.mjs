#!/usr/bin/env node
// Fetch the pinned Node.js runtime (node-runtime.json) from the npm registry's
// node-linux-<arch> package and unpack bin/node and its LICENSE into a directory. The tarball
// is checked against the pinned sha512 integrity before anything is unpacked, so a
// republished or tampered package is refused, not run. Used by the artifact script
// (npm run package -- --node) and by the CI's Debian 13 root (.ci/debian13).
//   node apps/origin/scripts/node-runtime.mjs --arch x64|arm64 --out DIR   (prints DIR/bin/node)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
