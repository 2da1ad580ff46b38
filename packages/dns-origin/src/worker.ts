/**
 * Cluster worker entry (workers > 1). Lives in dist/ next to index.js, so it works from an
 * installed npm tarball. Started by ./cluster.ts with the resolved options in the environment.
 */
import { deserializeOptions, WORKER_ENV } from './serialize.js';
import type { FromWorker, ToWorker } from './serialize.js';
import { Server } from './server.js';

const raw = process.env[WORKER_ENV];
if (raw === undefined || typeof process.send !== 'function') {
  throw new Error(`@anycast-origin/dns-origin worker: start it through createDnsOrigin({ workers }) (${WORKER_ENV} missing)`);
}
const opts = deserializeOptions(raw);
const server = new Server(opts);
const send = (m: FromWorker) => { process.send?.(m); };

process.on('message', (m: unknown) => {
  const msg = m as ToWorker;
  if (typeof msg !== 'object' || msg === null || msg.dnsOrigin !== 1) return;
  if (msg.type === 'stats') send({ dnsOrigin: 1, type: 'reply', seq: msg.seq, stats: server.snapshot() });
  else if (msg.type === 'close-tcp') void server.closeTcpListener().then(() => send({ dnsOrigin: 1, type: 'reply', seq: msg.seq }));
  else if (msg.type === 'close') {
    void server.close().then(() => {
      send({ dnsOrigin: 1, type: 'reply', seq: msg.seq });
      process.disconnect?.();
    });
  }
});

server.listen(opts.port).then(
  (b) => send({ dnsOrigin: 1, type: 'listening', ...b }),
  (err: Error & { code?: string }) => {
    send({ dnsOrigin: 1, type: 'listen-error', code: err.code ?? 'DNS_ORIGIN_ERR_LISTEN', message: err.message });
    process.disconnect?.();
  },
);
