/**
 * Shared benchmark harness: tool checks that name the apt package, CPU pinning with taskset,
 * RSS of a process tree, port waits, result tables (ratios to a reference peer) and JSON output.
 * Installs nothing: a missing tool is reported with the package that provides it.
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { hasCommand, run, stop } from '@anycast-origin/testkit';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

export class MissingToolError extends Error {
  readonly code = 'BENCHMARKS_ERR_MISSING_TOOL';
  constructor(readonly tools: readonly { command: string; aptPackage: string }[]) {
    super(`missing tools: ${tools.map((t) => t.command).join(', ')}; install with: apt-get install ${[...new Set(tools.map((t) => t.aptPackage))].join(' ')}`);
    this.name = 'MissingToolError';
  }
}

export { hasCommand };

/** Throw one MissingToolError naming every absent tool and its Debian package. */
export function requireTools(tools: readonly { command: string; aptPackage: string }[]): void {
  const missing = tools.filter((t) => !hasCommand(t.command));
  if (missing.length) throw new MissingToolError(missing);
}

/** CPU layout: the server gets one core, the load generator another (when there are two). */
export function cores(): { server: number; load: number } {
  const n = availableParallelism();
  return n >= 2 ? { server: 0, load: 1 } : { server: 0, load: 0 };
}

/** Spawn a command pinned to one CPU with taskset. */
export function spawnPinned(cpu: number, command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  return spawn('taskset', ['-c', String(cpu), command, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...options });
}

/** A pinned child whose output (stdout and stderr together) is kept, for error messages. */
export interface Logged {
  child: ChildProcess;
  output(): string;
}

export function spawnLogged(cpu: number, command: string, args: readonly string[]): Logged {
  const child = spawnPinned(cpu, command, args);
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (out += d));
  return { child, output: () => out };
}

/** Resolve once `port` on 127.0.0.1 accepts connections; if the child exits first or 15 s pass, stop it and throw naming `what` and its output. */
export async function untilListening(p: Logged, port: number, what: string): Promise<void> {
  const exited = new Promise<never>((_, reject) => p.child.once('exit', (code) => reject(new Error(`${what} exited (${code}) before listening: ${p.output()}`))));
  exited.catch(() => undefined);
  try {
    await Promise.race([waitForTcp(port, '127.0.0.1', 15_000), exited]);
  } catch (err) {
    await stopChild(p.child);
    throw err;
  }
}

/** Run a pinned command to completion and capture stdout/stderr (10 min at most). */
export function runPinned(cpu: number, command: string, args: readonly string[], options: SpawnOptions = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return run('taskset', ['-c', String(cpu), command, ...args], { timeoutMs: 600_000, ...options });
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Sum `measure` over a process and all its descendants (a vanished process counts 0). */
function overTree(pid: number, measure: (pid: number) => number): number {
  let total = 0;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop() as number;
    try {
      total += measure(p);
    } catch {
      continue;
    }
    stack.push(...childrenOf(p));
  }
  return total;
}

/** Resident set size in bytes of a process and all its descendants (VmRSS from /proc). */
export function rssBytes(pid: number): number {
  return overTree(pid, (p) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0) * 1024);
}

const CLOCK_TICKS = 100; // sysconf(_SC_CLK_TCK) on Linux

/**
 * CPU time (user + system) used so far by one process, microseconds, from /proc/<pid>/stat.
 * Server CPU per request is a steadier measure than requests/s on a machine shared with
 * other work: the rate drops when the server's core is taken by others, CPU per request
 * hardly moves.
 */
export function cpuMicros(pid: number): number {
  const t = cpuTimes(pid);
  return t.user + t.system;
}

/** A process's CPU time so far split into user and system (kernel) time, microseconds. */
export function cpuTimes(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // after "pid (comm) ": state is f[0]; utime and stime are fields 14 and 15 of the line
  return { user: (Number(f[11]) * 1e6) / CLOCK_TICKS, system: (Number(f[12]) * 1e6) / CLOCK_TICKS };
}

/** CPU time of a process and its descendants (NSD serves from a forked child), microseconds. */
export function treeCpuMicros(pid: number): number {
  return overTree(pid, cpuMicros);
}

/** Wait until a TCP port accepts connections. */
export async function waitForTcp(port: number, host = '127.0.0.1', timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, host);
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listening on ${host}:${port} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Stop a child process (SIGTERM, then SIGKILL after 5 s) and wait for it. */
export function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  return stop(child, graceMs);
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Render rows as an aligned text table (markdown-compatible). */
export function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [headers, ...rows].map((r) => r.map((c) => String(c)));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(cells[0] ?? []), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...cells.slice(1).map(line)].join('\n');
}

/** Format a ratio as e.g. `1.03x`. */
export function ratio(value: number, reference: number): string {
  return reference > 0 && Number.isFinite(value) ? `${(value / reference).toFixed(2)}x` : 'n/a';
}

/** benchmarks/ (works from src/ under tsx and from dist/). */
export const BENCH_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Write results JSON to benchmarks/results/<name>-<timestamp>.json and return the path. */
export function writeResults(name: string, data: unknown): string {
  const dir = join(BENCH_ROOT, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
  return file;
}

type ArgSpec = Record<string, { type: 'string' | 'boolean'; default?: string | boolean; description: string }>;

/**
 * Parse a benchmark's flags (node:util parseArgs) with `--help` and one-line errors:
 * prints usage and exits 0 for --help, prints the problem and exits 2 for a bad flag.
 */
export function benchArgs<S extends ArgSpec>(usage: string, spec: S, argv: string[] = process.argv.slice(2)): { [K in keyof S]: S[K]['type'] extends 'boolean' ? boolean : string } {
  const help = `${usage}\n\noptions:\n${Object.entries(spec)
    .map(([k, v]) => `  --${k}${v.type === 'string' ? ' <value>' : ''}  ${v.description}${v.default !== undefined && v.default !== false ? ` (default: ${String(v.default)})` : ''}`)
    .join('\n')}\n  --help  show this help\n`;
  try {
    const options = Object.fromEntries(Object.entries(spec).map(([k, v]) => [k, { type: v.type, ...(v.default !== undefined ? { default: v.default } : {}) }]));
    const { values } = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', default: false } } as never, strict: true, allowPositionals: false });
    const v = values as Record<string, string | boolean>;
    if (v.help) {
      process.stdout.write(help);
      process.exit(0);
    }
    return v as never;
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${help}`);
    process.exit(2);
  }
}

/** A positive integer flag value, or exit 2 naming the flag. */
export function positiveInt(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`--${name}: ${JSON.stringify(value)} is not a positive integer\n`);
    process.exit(2);
  }
  return n;
}
