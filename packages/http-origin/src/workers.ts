/** The main thread's handle on one serving thread: in-process (threads: 1) or a worker. */
import { Worker } from 'node:worker_threads';
import { LIMITS } from './defaults.js';
import { WorkerError } from './errors.js';
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

export function localThread(init: ThreadInit): ThreadHandle {
  const server: ThreadServer = createThreadServer(init);
  let ended: Promise<void> | undefined;
  return {
    index: init.thread,
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
 * Start a worker thread; resolves once it runs. Rejects with WorkerError when it throws or
 * exits unasked; `onFailure` hears about such a failure after start.
 */
export function workerThread(init: ThreadInit, onFailure: (err: WorkerError) => void): ThreadHandle {
  const worker = new Worker(workerUrl(), { workerData: init, stdout: false, stderr: false });
  let exitedCode: number | undefined;
  let failure: WorkerError | undefined;
  let asked = false;
  let listenWaiter: { resolve: (p: number | false) => void; reject: (e: unknown) => void } | undefined;
  const exited = new Promise<void>((resolve) => {
    worker.once('exit', (code) => {
      exitedCode = code;
      if (!asked) fail(new WorkerError(init.thread, `exited unexpectedly with code ${code}`));
      listenWaiter?.resolve(false);
      listenWaiter = undefined;
      resolve();
    });
  });
  const fail = (err: WorkerError): void => {
    if (failure) return;
    failure = err;
    listenWaiter?.reject(err);
    listenWaiter = undefined;
    onFailure(err);
  };
  worker.on('error', (err) => fail(new WorkerError(init.thread, `threw: ${err instanceof Error ? err.message : String(err)}`, { cause: err })));
  worker.on('message', (m: FromWorker) => {
    if (m.op === 'listening') {
      listenWaiter?.resolve(m.port);
      listenWaiter = undefined;
    }
  });
  const send = (m: ToWorker): void => {
    if (exitedCode === undefined) worker.postMessage(m);
  };
  const ending = async (): Promise<void> => {
    const timer = setTimeout(() => void worker.terminate(), LIMITS.workerExitTimeoutMs);
    await exited;
    clearTimeout(timer);
  };
  return {
    index: init.thread,
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
