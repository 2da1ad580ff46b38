/**
 * Worker-thread entry (dist/worker.js): one uWS app per thread, driven by messages from the
 * thread that called createHttpOrigin(). It ends on its own once every socket is closed
 * (exiting while uWS still holds sockets aborts the process).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createThreadServer } from './server.js';
import type { ThreadInit } from './server.js';

export type ToWorker =
  | { op: 'listen'; port: number }
  | { op: 'finish'; lingerMs: number }
  | { op: 'close' }
  | { op: 'metrics'; seq: number; text: string };

export type FromWorker =
  | { op: 'listening'; port: number | false }
  | { op: 'metrics'; seq: number };

const port = parentPort;
if (port) {
  const init = workerData as ThreadInit & { metricsExtra: boolean };
  const waiting = new Map<number, (text: string) => void>();
  let seq = 0;
  const metricsExtra = (): Promise<string> => new Promise((resolve) => {
    const n = ++seq;
    waiting.set(n, resolve);
    port.postMessage({ op: 'metrics', seq: n } satisfies FromWorker);
  });
  const server = createThreadServer(init, init.metricsExtra ? { metricsExtra } : {});
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    for (const resolve of waiting.values()) resolve('');
    port.close();
  };
  port.on('message', (m: ToWorker) => {
    if (ended) return;
    switch (m.op) {
      case 'listen':
        void server.listen(m.port).then((p) => port.postMessage({ op: 'listening', port: p } satisfies FromWorker));
        break;
      case 'finish':
        void server.finish(m.lingerMs).then(end);
        break;
      case 'close':
        server.forceClose();
        end();
        break;
      case 'metrics': {
        const resolve = waiting.get(m.seq);
        waiting.delete(m.seq);
        resolve?.(m.text);
        break;
      }
    }
  });
}
