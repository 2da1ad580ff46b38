/**
 * The process owner: parses the command line, connects, runs one command, prints its result
 * on stdout (table or JSON), warnings on stderr, progress on stderr only when stderr is a
 * terminal, and returns the exit code: 0 done, 1 failed, 2 usage, 3 timed out waiting for
 * DEPLOYED. Every error is one line, `gactl: <message>` (API errors start with AWS's name).
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { CHANNELS } from './api.js';
import { applyConfig, readConfig } from './apply.js';
import { parseArgs } from './args.js';
import { connect } from './connect.js';
import { drain, undrain } from './drain.js';
import { prepareAutopilot, runAutopilot } from './autopilot/command.js';
import type { PreparedAutopilot } from './autopilot/command.js';
import { GactlError } from './errors.js';
import { changesTable, json, outcomeLine, resultTable, statusTable, waitTable } from './format.js';
import { setDial, setWeight, status, waitDeployed } from './operations.js';
import type { GlobalSettings } from './options.js';

export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface MainIo {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream & { columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** Where SIGINT and SIGTERM come from (the process; tests pass an emitter): the autopilot stops on them. */
  signals?: NodeJS.EventEmitter;
}

type Listener = (message: unknown, name: string | symbol) => void;

/**
 * Progress on a terminal: the wait as one line rewritten in place, and each retry or
 * start-over as a line. Returns the function that stops it (and clears the line).
 */
export function showProgress(stderr: NodeJS.WritableStream): () => void {
  let open = false;
  const line = (s: string) => {
    stderr.write(`\r\x1b[K${s}`);
    open = true;
  };
  const done = () => {
    if (open) stderr.write('\r\x1b[K');
    open = false;
  };
  const listeners: [string, Listener][] = [
    [CHANNELS.wait, (m) => {
      const { status: s, elapsedMs } = m as { status: string; elapsedMs: number };
      if (s === 'DEPLOYED') done();
      else line(`gactl: waiting for DEPLOYED (${s}, ${(elapsedMs / 1000).toFixed(0)} s)`);
    }],
    [CHANNELS.retry, (m) => {
      const { operation, error, delayMs } = m as { operation: string; error: string; delayMs: number };
      done();
      stderr.write(`gactl: ${error} from ${operation}: trying again in ${(delayMs / 1000).toFixed(1)} s\n`);
    }],
    [CHANNELS.redo, (m) => {
      const { reason } = m as { reason: string };
      done();
      stderr.write(`gactl: ${reason}: reading the group again\n`);
    }],
  ];
  for (const [n, fn] of listeners) subscribe(n, fn);
  return () => {
    for (const [n, fn] of listeners) unsubscribe(n, fn);
    done();
  };
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ');
}

/** The connection options from the global settings (everything but --output). */
function connectionOptions(s: GlobalSettings) {
  const { output: _output, ...rest } = s;
  return rest;
}

/** Run gactl; resolves with the exit code. */
export async function main(io: MainIo = { argv: process.argv.slice(2), env: process.env, stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const fail = (e: unknown): number => {
    const message = e instanceof Error ? e.message : String(e);
    const hint = e instanceof GactlError && e.exitCode === 2 && e.code === 'GACTL_ERR_USAGE' ? ' (see gactl --help)' : '';
    io.stderr.write(`gactl: ${oneLine(message)}${hint}\n`);
    return e instanceof GactlError ? e.exitCode : 1;
  };
  let parsed;
  try {
    parsed = parseArgs(io.argv, io.env, VERSION);
  } catch (e) {
    return fail(e);
  }
  if (parsed.kind === 'exit') {
    (parsed.code === 0 ? io.stdout : io.stderr).write(parsed.output);
    return parsed.code;
  }
  const { command, settings, flags, args } = parsed;
  const asJson = settings.output === 'json';
  const print = (s: string) => io.stdout.write(s);
  const warn = (ws: readonly string[]) => {
    for (const w of ws) io.stderr.write(`gactl: warning: ${oneLine(w)}\n`);
  };
  const stopProgress = io.stderr.isTTY ? showProgress(io.stderr) : () => {};
  let conn;
  try {
    // apply steers the accelerator its config names, unless --accelerator says otherwise.
    const config = command === 'apply' ? readConfig(flags.config as string) : undefined;
    const pilot = command === 'autopilot' ? prepareAutopilot(flags) : undefined;
    const accelerator = settings.accelerator ?? config?.acceleratorName;
    conn = await connect({ ...connectionOptions(settings), ...(accelerator !== undefined ? { accelerator } : {}) });
    const write = { force: flags.force === true };
    const listeners = flags.listener as string[] | undefined;
    switch (command) {
      case 'status': {
        const s = await status(conn);
        print(asJson ? json(s) : statusTable(s, io.stdout.columns ?? 100));
        break;
      }
      case 'wait': {
        const r = await waitDeployed(conn);
        print(asJson ? json({ accelerator: { arn: conn.acceleratorArn }, ...r }) : waitTable(r));
        break;
      }
      case 'dial':
      case 'weight':
      case 'drain':
      case 'undrain': {
        const target = args.endpointId !== undefined ? { endpointId: args.endpointId as string } : { region: flags.region as string };
        const r = command === 'dial'
          ? await setDial(conn, { region: args.region as string, percent: args.percent as number, listeners }, write)
          : command === 'weight'
            ? await setWeight(conn, { endpointId: args.endpointId as string, weight: args.weight as number, listeners }, write)
            : command === 'drain' ? await drain(conn, target, { ...write, listeners }) : await undrain(conn, target, write);
        stopProgress();
        warn(r.warnings);
        print(asJson ? json(r) : resultTable(r));
        break;
      }
      case 'autopilot': {
        stopProgress();
        return await runAutopilot(conn, pilot as PreparedAutopilot, settings.output, { stdout: io.stdout, stderr: io.stderr, signals: io.signals ?? process });
      }
      case 'apply': {
        const r = await applyConfig(conn, { config: config as NonNullable<typeof config>, dryRun: flags.dryRun === true, force: write.force }, {
          // The diff is printed before anything is written (the table form; JSON prints the result once).
          diff: (changes) => {
            if (!asJson) print(changesTable(changes));
          },
        });
        stopProgress();
        warn(r.warnings);
        print(asJson ? json(r) : outcomeLine(r));
        break;
      }
    }
    return 0;
  } catch (e) {
    stopProgress();
    return fail(e);
  } finally {
    stopProgress();
    conn?.close();
  }
}
