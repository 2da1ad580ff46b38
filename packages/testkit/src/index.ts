import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/** True when `command` is on PATH (or is an executable path). */
export function hasCommand(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v "$1" >/dev/null 2>&1`, 'sh', command]).status === 0;
}

/** True under CI (CI=true or CI=1): there a missing tool is a failure, not a skip. */
export function isCI(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI === 'true' || env.CI === '1';
}

/**
 * Options for a `t.test()` that needs a Debian tool. With the tool present: `{}` (the test
 * runs). Absent on a developer machine: `{ skip }` naming the apt package. Absent under CI:
 * throws, so the test file fails: `.ci/run` installs every tool.
 */
export function needs(command: string, aptPackage: string): { skip?: string } {
  if (hasCommand(command)) return {};
  const msg = `${command} not found: apt-get install ${aptPackage}`;
  if (isCI()) throw new Error(`${msg} (CI=true makes a missing tool a failure)`);
  return { skip: msg };
}

/** Run a command to completion and capture its output. */
export async function run(
  command: string,
  args: readonly string[],
  options: SpawnOptions & { timeoutMs?: number; input?: string | Buffer } = {},
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const { timeoutMs = 30_000, input, ...spawnOptions } = options;
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], ...spawnOptions });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin?.end(input);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  return { code, signal, stdout, stderr };
}

/** Kill a child (SIGTERM, then SIGKILL after `graceMs`) and wait until it has exited. */
export async function stop(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** `dig` against a loopback server: returns stdout; fails the promise on a non-zero exit. */
export async function dig(port: number, args: readonly string[], server = '127.0.0.1'): Promise<string> {
  const r = await run('dig', [`@${server}`, '-p', String(port), '+time=2', '+tries=1', ...args]);
  if (r.code !== 0) throw new Error(`dig ${args.join(' ')} exited ${r.code}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** A port free on 127.0.0.1 for both UDP and TCP right now (for servers that need one number for both, like NSD and Knot). */
export async function freePort(): Promise<number> {
  for (;;) {
    const tcp = createServer();
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', () => r()));
    const port = (tcp.address() as { port: number }).port;
    const udp = createSocket('udp4');
    const ok = await new Promise<boolean>((r) => {
      udp.once('error', () => r(false));
      udp.bind(port, '127.0.0.1', () => r(true));
    });
    await new Promise<void>((r) => tcp.close(() => r()));
    if (ok) {
      await new Promise<void>((r) => udp.close(() => r()));
      return port;
    }
  }
}
export { knotConf, nginxConf, nsdConf } from './peers.js';
export type { DnsPeerConfig, NginxPeerConfig } from './peers.js';
export { ARM64_SYSROOT, arm64Node, arm64Package, arm64Requirements, copyProductionDependencies, nodeDir, startArm64Script, unpackedAddon } from './addon.js';
export type { Arm64Script } from './addon.js';
