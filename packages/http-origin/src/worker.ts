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
  | { op: 'close' };

export type FromWorker =
  | { op: 'listening'; port: number | false }
  | { op: 'finished' };

const port = parentPort;
if (port) {
  const server = createThreadServer(workerData as ThreadInit);
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    port.postMessage({ op: 'finished' } satisfies FromWorker);
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
    }
  });
}
