/**
 * The main thread's handle on one serving thread: in-process (workers: 1) or a worker thread.
 * A worker asks the main thread for `metricsExtra` text over its message port (functions do not
 * cross into workerData).
 */
import { Worker } from 'node:worker_threads';
import { WorkerError } from './errors.js';
import { LIMITS } from './options.js';
import { createThreadServer } from './server.js';
import type { ThreadInit, ThreadServer } from './server.js';
import type { FromWorker, ToWorker } from './worker.js';

export interface ThreadHandle {
  readonly index: number;
  listen(port: number): Promise<number | false>;
  /** Graceful end (see ThreadServer.finish); resolves once the thread has ended. */
  finish(lingerMs: number): Promise<void>;
  /** Close everything now; resolves once the thread has ended. */
  forceClose(): Promise<void>;
}

export type MetricsExtra = () => string | Promise<string>;

export function localThread(init: ThreadInit, metricsExtra: MetricsExtra | undefined): ThreadHandle {
  const server: ThreadServer = createThreadServer(init, metricsExtra ? { metricsExtra: async () => metricsExtra() } : {});
  let ended: Promise<void> | undefined;
  return {
    index: init.worker,
    listen: (port) => server.listen(port),
    finish(lingerMs) {
      ended ??= server.finish(lingerMs);
      return ended;
    },
    forceClose() {
      server.forceClose();
      return ended ?? Promise.resolve();
    },
  };
}

/** The worker entry next to this file: dist/worker.js, or worker.ts when run from source. */
export function workerUrl(): URL {
  return new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url);
}

/**
 * Start a worker thread. listen() rejects with WorkerError when the worker throws or exits
 * unasked; `onFailure` hears about such a failure after start.
 */
export function workerThread(init: ThreadInit, onFailure: (err: WorkerError) => void, metricsExtra: MetricsExtra | undefined): ThreadHandle {
  const worker = new Worker(workerUrl(), { workerData: init, stdout: false, stderr: false });
  let exitedCode: number | undefined;
  let failure: WorkerError | undefined;
  let asked = false;
  let listenWaiter: { resolve: (p: number | false) => void; reject: (e: unknown) => void } | undefined;
  const fail = (err: WorkerError): void => {
    if (failure) return;
    failure = err;
    listenWaiter?.reject(err);
    listenWaiter = undefined;
    onFailure(err);
  };
  const exited = new Promise<void>((resolve) => {
    worker.once('exit', (code) => {
      exitedCode = code;
      if (!asked) fail(new WorkerError(init.worker, `exited unexpectedly with code ${code}`));
      listenWaiter?.resolve(false);
      listenWaiter = undefined;
      resolve();
    });
  });
  const send = (m: ToWorker): void => {
    if (exitedCode === undefined) worker.postMessage(m);
  };
  worker.on('error', (err) => fail(new WorkerError(init.worker, `threw: ${err instanceof Error ? err.message : String(err)}`, { cause: err })));
  worker.on('message', (m: FromWorker) => {
    if (m.op === 'listening') {
      listenWaiter?.resolve(m.port);
      listenWaiter = undefined;
    } else if (m.op === 'metrics') {
      const reply = (text: string): void => send({ op: 'metrics', seq: m.seq, text });
      Promise.resolve().then(() => metricsExtra?.() ?? '').then(reply, () => reply(''));
    }
  });
  const ending = async (): Promise<void> => {
    const timer = setTimeout(() => void worker.terminate(), LIMITS.workerExitTimeoutMs);
    await exited;
    clearTimeout(timer);
  };
  return {
    index: init.worker,
    listen(port) {
      if (failure) return Promise.reject(failure);
      if (asked) return Promise.resolve(false);
      return new Promise((resolve, reject) => {
        listenWaiter = { resolve, reject };
        send({ op: 'listen', port });
      });
    },
    finish(lingerMs) {
      asked = true;
      send({ op: 'finish', lingerMs });
      return exited;
    },
    forceClose() {
      asked = true;
      send({ op: 'close' });
      return ending();
    },
  };
}
