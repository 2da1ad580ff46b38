/**
 * The process owner: flags, env, config file, logging, signals and exit codes.
 * Exit codes: 0 after a clean drain (or --help/--version); 1 when the origins cannot start
 * (address in use, identity unresolvable); 2 for a bad flag, variable or config file (nothing
 * started); 128+signal when a second signal cuts the drain short.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { CHANNELS as DNS_CHANNELS } from '@anycast-origin/dns-origin';
import { CHANNELS as HTTP_CHANNELS, runtimeInfo } from '@anycast-origin/http-origin';
import { parseArgs } from './args.js';
import { OriginCliError } from './errors.js';
import { startOrigins, tryCommands } from './run.js';

export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

export interface MainIo {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

type Listener = (message: unknown, name: string | symbol) => void;

/**
 * Log what the libraries report on their diagnostics channels (they never log themselves).
 * Returns the function that unsubscribes.
 */
export function logLibraryEvents(log: Logger): () => void {
  const errOf = (m: unknown) => (m as { error?: Error & { code?: string } }).error;
  const listeners: [string, Listener][] = [
    [HTTP_CHANNELS.error, (m) => { const err = errOf(m); log.error({ err, code: err?.code }, 'http worker thread failed'); }],
    [HTTP_CHANNELS.state, (m) => log.debug({ state: (m as { state: string }).state }, 'http state')],
    [DNS_CHANNELS.socketError, (m) => { const err = errOf(m); log.warn({ err, code: err?.code }, 'dns socket error'); }],
    [DNS_CHANNELS.workerExit, (m) => log.error({ ...(m as object), code: 'DNS_ORIGIN_WORKER_EXIT' }, 'dns worker process exited')],
    [DNS_CHANNELS.tcpClosed, (m) => log.debug({ ...(m as object) }, 'dns tcp connection closed by the server')],
  ];
  for (const [name, fn] of listeners) subscribe(name, fn);
  return () => {
    for (const [name, fn] of listeners) unsubscribe(name, fn);
  };
}

function fail(io: MainIo, e: unknown): number {
  const message = e instanceof Error ? e.message : String(e);
  const hint = e instanceof OriginCliError && e.exitCode === 2 ? ' (see anycast-origin --help)' : '';
  io.stderr.write(`anycast-origin: ${message}${hint}\n`);
  return e instanceof OriginCliError ? e.exitCode : 1;
}

/**
 * Run the command. Resolves with the exit code once the origins have drained and closed (or
 * failed to start). Signals are handled here; the caller exits with the code.
 */
export async function main(io: MainIo = { argv: process.argv.slice(2), env: process.env, stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs(io.argv, io.env, VERSION);
  } catch (e) {
    return fail(io, e);
  }
  if (parsed.kind === 'exit') {
    io.stdout.write(parsed.output);
    return parsed.code;
  }
  const { settings } = parsed;
  const log: Logger = pino(
    { name: 'anycast-origin', level: settings.logLevel, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ dest: 1, sync: true }),
  );

  const unsubscribeAll = logLibraryEvents(log);
  let running;
  try {
    running = await startOrigins(settings, VERSION, io.env, parsed.layer);
  } catch (e) {
    unsubscribeAll();
    log.fatal({ err: e, code: (e as { code?: string }).code }, 'cannot start');
    return fail(io, e);
  }
  const http = running.http;
  const dns = running.dns;
  const runtime = runtimeInfo();
  log.info(
    {
      version: VERSION,
      node: process.versions.node,
      runtime,
      identity: { ...running.identity },
      http: http ? { address: http.address, port: http.port, backend: http.origin.backend, workers: http.origin.options.workers, metricsRoute: http.origin.options.metricsRoute, benchmarkRoutes: http.origin.options.benchmarkRoutes } : 'off',
      dns: dns ? { address: dns.address, udpPort: dns.udpPort, tcpPort: dns.tcpPort, workers: dns.origin.options.workers, udpBackend: dns.udpBackend, rrl: dns.origin.options.rrl, zone: dns.origin.options.zone?.name ?? null } : 'off',
      metrics: running.metrics ?? (http?.origin.options.metricsRoute ? 'on the HTTP port' : 'off'),
      drainSeconds: settings.drainSeconds,
      configFile: parsed.configFile ?? null,
    },
    'serving',
  );
  if (runtime.endOfLife) {
    log.warn(
      { node: runtime.node, nodeEndOfLife: runtime.nodeEndOfLife },
      `Node.js ${runtime.node} is past its end of life (${runtime.nodeEndOfLife ?? '?'}): no more security fixes; run the origin on Node.js 24 (see the README)`,
    );
  }
  const cmds = tryCommands(running);
  io.stderr.write(`anycast-origin ${VERSION} serving ${running.identity.id}; try:\n${cmds.map((c) => `  ${c}\n`).join('')}`);

  return await new Promise<number>((resolve) => {
    let draining = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (draining) {
        log.warn({ signal }, 'second signal: stopping now without finishing the drain');
        const code = SIGNAL_EXIT[signal] ?? 1;
        const timer = setTimeout(() => resolve(code), 1000);
        void running.close().finally(() => {
          clearTimeout(timer);
          unsubscribeAll();
          resolve(code);
        });
        return;
      }
      draining = true;
      log.info({ signal, drainSeconds: settings.drainSeconds }, 'draining: health checks fail now, serving continues');
      running.drain().then(
        () => {
          log.info('stopped');
          unsubscribeAll();
          resolve(0);
        },
        (e: unknown) => {
          log.error({ err: e }, 'drain failed');
          unsubscribeAll();
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
