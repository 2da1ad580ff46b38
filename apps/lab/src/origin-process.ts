/**
 * One lab instance: a real `anycast-origin` process (apps/origin), started as a host's systemd
 * unit would start it, on its own loopback address, with its instance id and zone given (so
 * `--identity-source os` never asks instance metadata), one HTTP worker thread and one DNS
 * process (the machine is shared by eight of them), RRL off (the lab's vantage points share
 * /24s, and with client IP preservation off every query would come from the entry's address),
 * and the drain sized from the lab's health check.
 *
 * It must never outlive the lab, even when the lab is killed with SIGKILL: each origin is
 * started through `setpriv --pdeathsig SIGKILL` (util-linux), so the kernel kills it when the
 * lab's main thread goes away, and in a session of its own (`detached`), so a Ctrl-C in the
 * lab's terminal reaches only the lab, which then drains the origins exactly once.
 *
 * Ready means the origin logged its `serving` line (JSON on stdout): the ports it bound are read
 * from it, so port 0 works.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants, createWriteStream, existsSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { StartError } from './errors.js';

export interface OriginSpec {
  readonly instanceId: string;
  readonly availabilityZone: string;
  readonly address: string;
  /** 0: ephemeral. */
  readonly httpPort: number;
  readonly dnsPort: number;
  readonly drainSeconds: number;
  /** Append the origin's stdout and stderr here. */
  readonly logFile?: string | undefined;
  readonly startTimeoutMs: number;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** The built origin command (apps/origin/dist/cli.js), found through the workspace dependency. */
export function originCli(): string {
  const pkg = createRequire(import.meta.url).resolve('anycast-origin/package.json');
  const cli = join(dirname(pkg), 'dist', 'cli.js');
  if (!existsSync(cli)) throw new StartError(`${cli} is not built: run \`npm run build\` (or \`npm run lab\`) in the repository first`);
  return cli;
}

let setprivPath: string | null | undefined;
/** `setpriv` on PATH (util-linux: on every Debian), or null. */
export function setpriv(): string | null {
  if (setprivPath !== undefined) return setprivPath;
  setprivPath = null;
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(delimiter)) {
    const p = join(dir, 'setpriv');
    try {
      accessSync(p, constants.X_OK);
      setprivPath = p;
      break;
    } catch {
      // not here
    }
  }
  return setprivPath;
}

/** The origin's arguments (after `node cli.js`). */
export function originArgs(s: OriginSpec): string[] {
  return [
    '--http-host', s.address, '--http-port', String(s.httpPort), '--http-workers', '1',
    '--dns-host', s.address, '--dns-port', String(s.dnsPort), '--dns-workers', '1', '--dns-rrl', 'off',
    '--identity-source', 'os', '--identity-instance-id', s.instanceId, '--identity-availability-zone', s.availabilityZone,
    '--drain-seconds', String(s.drainSeconds),
  ];
}

/** The environment without the origin's own variables (a stray ORIGIN_CONFIG must not change a lab instance). */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ORIGIN_') && !k.startsWith('AWS_EC2_METADATA')) env[k] = v;
  return env;
}

/** A running origin process. */
export class OriginProcess {
  readonly spec: OriginSpec;
  readonly pid: number;
  /** Ports it bound (from its `serving` line). */
  readonly httpPort: number;
  readonly dnsPort: number;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<Exit>;
  #child: ChildProcess;
  #exit: Exit | undefined;

  private constructor(spec: OriginSpec, child: ChildProcess, ports: { http: number; dns: number }, exited: Promise<Exit>, exit: () => Exit | undefined) {
    this.spec = spec;
    this.#child = child;
    this.pid = child.pid as number;
    this.httpPort = ports.http;
    this.dnsPort = ports.dns;
    this.exited = exited;
    void exited.then(() => {
      this.#exit = exit();
    });
  }

  /** Still running. */
  get running(): boolean {
    return this.#exit === undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Send a signal (SIGTERM drains; a second SIGTERM closes at once; SIGKILL is an instance dying). */
  signal(sig: NodeJS.Signals): void {
    if (this.running) this.#child.kill(sig);
  }

  /** Start an origin and wait until it serves. Throws StartError with the origin's own words. */
  static async start(spec: OriginSpec): Promise<OriginProcess> {
    const cli = originCli();
    const node = [process.execPath, cli, ...originArgs(spec)];
    const wrapper = setpriv();
    const [command, ...args] = wrapper ? [wrapper, '--pdeathsig', 'SIGKILL', '--', ...node] : node;
    const child = spawn(command as string, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: childEnv() });
    let log: WriteStream | undefined;
    if (spec.logFile) log = createWriteStream(spec.logFile, { flags: 'a' });
    const tail: string[] = [];
    const keep = (line: string) => {
      tail.push(line);
      if (tail.length > 20) tail.shift();
    };
    let exit: Exit | undefined;
    const exited = new Promise<Exit>((resolve) => {
      child.once('error', (err) => {
        keep(`spawn failed: ${err.message}`);
        exit = { code: null, signal: null };
        resolve(exit);
      });
      child.once('close', (code, signal) => {
        exit = { code, signal };
        log?.end();
        resolve(exit);
      });
    });
    const stderr = createInterface({ input: child.stderr as NodeJS.ReadableStream, crlfDelay: Infinity });
    stderr.on('line', (line) => {
      keep(line);
      log?.write(`${line}\n`);
    });
    const stdout = createInterface({ input: child.stdout as NodeJS.ReadableStream, crlfDelay: Infinity });
    const ready = new Promise<{ http: number; dns: number }>((resolve) => {
      stdout.on('line', (line) => {
        log?.write(`${line}\n`);
        if (!line.includes('"serving"')) return;
        try {
          const m = JSON.parse(line) as { msg?: string; http?: { port?: number }; dns?: { udpPort?: number } };
          if (m.msg === 'serving' && typeof m.http?.port === 'number' && typeof m.dns?.udpPort === 'number') resolve({ http: m.http.port, dns: m.dns.udpPort });
        } catch {
          // not the line we wait for
        }
      });
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), spec.startTimeoutMs);
    });
    const first = await Promise.race([ready, exited.then(() => 'exited' as const), timeout]);
    clearTimeout(timer);
    const who = `origin ${spec.instanceId} on ${spec.address}`;
    const why = () => {
      const last = [...tail].reverse().find((l) => l.startsWith('anycast-origin:')) ?? tail[tail.length - 1];
      return last ? `: ${last}` : '';
    };
    if (first === 'timeout') {
      child.kill('SIGKILL');
      await exited;
      throw new StartError(`${who} did not serve within ${spec.startTimeoutMs} ms${why()}`);
    }
    if (first === 'exited') {
      const e = exit as Exit;
      throw new StartError(`${who} exited before serving (${e.signal ?? `code ${e.code}`})${why()}`);
    }
    return new OriginProcess(spec, child, first, exited, () => exit);
  }
}
