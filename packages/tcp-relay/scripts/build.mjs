#!/usr/bin/env node
// Build the Node-API addon with node-gyp and place it where node-gyp-build finds it in an
// installed package: prebuilds/linux-<arch>/node.napi.node. One build serves every Node.js
// version with Node-API 8 (Node >= 12.22), so the npm tarball and the deployable artifact
// carry prebuilds and install without a compiler.
//
//   node scripts/build.mjs               the host's architecture
//   node scripts/build.mjs --arch arm64  cross-compile (needs aarch64-linux-gnu-gcc:
//                                        apt-get install gcc-aarch64-linux-gnu)
//   ... --out FILE                       write the addon to FILE instead of prebuilds/
//
// Headers: node-gyp uses npm's `nodedir` when npm runs this; run directly, it uses the
// headers installed next to this Node (…/include/node) when present, so nothing is
// downloaded.
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const archArg = process.argv.indexOf('--arch');
const arch = archArg > 0 ? process.argv[archArg + 1] : process.arch;
const outArg = process.argv.indexOf('--out');
const outFile = outArg > 0 ? resolve(process.argv[outArg + 1]) : undefined;
const say = (m) => process.stderr.write(`tcp-relay: ${m}\n`);

if (process.platform !== 'linux') {
  say(`skipped: the relay is built on Linux's epoll and splice (this is ${process.platform})`);
  process.exit(0);
}
const CROSS = { arm64: 'aarch64-linux-gnu', x64: 'x86_64-linux-gnu' };
const env = { ...process.env };
if (arch !== process.arch) {
  const prefix = CROSS[arch];
  if (!prefix) throw new Error(`no cross toolchain known for --arch ${arch}`);
  env.CC = `${prefix}-gcc`;
  env.CXX = `${prefix}-g++`;
  env.LINK = `${prefix}-gcc`;
  env.AR = `${prefix}-ar`;
}
const args = ['rebuild', `--arch=${arch}`];
const localHeaders = resolve(dirname(process.execPath), '..');
if (!env.npm_config_nodedir && existsSync(join(localHeaders, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${localHeaders}`);
const nodeGyp = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
// A cross build (or one written elsewhere) happens in a copy of the sources: build/Release,
// where node-gyp-build looks first, keeps the host's addon (tests may be loading it meanwhile).
const cwd = arch === process.arch && !outFile ? root : mkdtempSync(join(tmpdir(), `tcp-relay-${arch}-`));
try {
  if (cwd !== root) {
    cpSync(join(root, 'binding.gyp'), join(cwd, 'binding.gyp'));
    cpSync(join(root, 'src'), join(cwd, 'src'), { recursive: true, filter: (f) => !f.endsWith('.ts') });
  }
  execFileSync(process.execPath, [nodeGyp, ...args, '--loglevel=warn'], { cwd, env, stdio: ['ignore', 'ignore', 'inherit'] });
  const dest = outFile ?? join(root, 'prebuilds', `linux-${arch}`, 'node.napi.node');
  mkdirSync(dirname(dest), { recursive: true });
  copyFileSync(join(cwd, 'build', 'Release', 'tcp_relay.node'), dest);
} finally {
  if (cwd !== root) rmSync(cwd, { recursive: true, force: true });
}
say(`built ${outFile ?? `prebuilds/linux-${arch}/node.napi.node`}`);
