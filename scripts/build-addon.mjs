// Build one of the project's Node-API addons (@anycast-origin/udp-mmsg, @anycast-origin/tcp-relay)
// with node-gyp and place it where node-gyp-build finds it in an installed package:
// prebuilds/linux-<arch>/node.napi.node. One build serves every Node.js version with Node-API 8
// (Node >= 12.22), so the npm tarballs and the deployable artifact carry prebuilds and install
// without a compiler. Each package's scripts/build.mjs calls this with its own name and target;
// the arguments are the same for both:
//
//   node scripts/build.mjs               the host's architecture
//   node scripts/build.mjs --arch arm64  cross-compile (needs aarch64-linux-gnu-gcc:
//                                        apt-get install gcc-aarch64-linux-gnu)
//   ... --out FILE                       write the addon to FILE instead of prebuilds/
//
// Headers: node-gyp uses npm's `nodedir` when npm runs this; run directly, it uses the headers
// installed next to this Node (…/include/node) when present, so nothing is downloaded.
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const CROSS = { arm64: 'aarch64-linux-gnu', x64: 'x86_64-linux-gnu' };

/**
 * @param {URL} packageUrl the package's directory
 * @param {{ name: string, target: string, linuxOnly: string }} addon its short name (for messages
 *   and temporary directories), its binding.gyp target, and why it builds on Linux only
 * @param {string[]} argv the script's arguments
 */
export function buildAddon(packageUrl, addon, argv = process.argv) {
  const root = fileURLToPath(packageUrl);
  const archArg = argv.indexOf('--arch');
  const arch = archArg > 0 ? argv[archArg + 1] : process.arch;
  const outArg = argv.indexOf('--out');
  const outFile = outArg > 0 ? resolve(argv[outArg + 1]) : undefined;
  const say = (m) => process.stderr.write(`${addon.name}: ${m}\n`);

  if (process.platform !== 'linux') {
    say(`skipped: ${addon.linuxOnly} (this is ${process.platform})`);
    return;
  }
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
  const nodeGyp = createRequire(join(root, 'package.json')).resolve('node-gyp/bin/node-gyp.js');
  // A cross build (or one written elsewhere) happens in a copy of the sources: build/Release,
  // where node-gyp-build looks first, keeps the host's addon (tests may be loading it meanwhile).
  const cwd = arch === process.arch && !outFile ? root : mkdtempSync(join(tmpdir(), `${addon.name}-${arch}-`));
  try {
    if (cwd !== root) {
      cpSync(join(root, 'binding.gyp'), join(cwd, 'binding.gyp'));
      cpSync(join(root, 'src'), join(cwd, 'src'), { recursive: true, filter: (f) => !f.endsWith('.ts') });
    }
    execFileSync(process.execPath, [nodeGyp, ...args, '--loglevel=warn'], { cwd, env, stdio: ['ignore', 'ignore', 'inherit'] });
    const dest = outFile ?? join(root, 'prebuilds', `linux-${arch}`, 'node.napi.node');
    mkdirSync(dirname(dest), { recursive: true });
    copyFileSync(join(cwd, 'build', 'Release', `${addon.target}.node`), dest);
  } finally {
    if (cwd !== root) rmSync(cwd, { recursive: true, force: true });
  }
  say(`built ${outFile ?? `prebuilds/linux-${arch}/node.napi.node`}`);
}
