/**
 * Starting every worker on one port. uWS only says "could not listen", so on failure node:net
 * is asked why (address in use, permission, address not here). uSockets sets SO_REUSEPORT only
 * for a non-zero port: with port 0 and several workers a free port is picked first, so the
 * others can join it.
 */
import { createServer } from 'node:net';
import { AddressInUseError, ListenError } from './errors.js';
import type { HttpOriginError } from './errors.js';
import type { ThreadHandle } from './workers.js';

/** Ask node:net why host:port cannot be bound. */
async function whyNotListening(host: string, port: number): Promise<HttpOriginError> {
  const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
    const s = createServer();
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e));
    s.listen({ host, port, exclusive: true }, () => s.close(() => resolve(null)));
  });
  if (err?.code === 'EADDRINUSE') return new AddressInUseError(host, port, { cause: err });
  if (err) return new ListenError(host, port, `${err.code ?? 'error'}: ${err.message}`, { cause: err });
  return new ListenError(host, port, 'uWebSockets.js could not listen (the address was free when checked again)');
}

/** An ephemeral port that is free right now on host. */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen({ host, port: 0, exclusive: true }, () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Listen with the first worker, then start and join the others. `start(i)` creates worker i
 * (pushing it where the caller keeps handles); `stopped()` says close() was called meanwhile.
 * Resolves the bound port, or throws an HttpOriginError (the caller stops what was started).
 */
export async function listenAll(
  host: string, port: number, workers: number, start: (i: number) => ThreadHandle, stopped: () => boolean, whenStopped: () => Error,
): Promise<number> {
  const first = start(0);
  let bound: number | false;
  if (port === 0 && workers > 1) {
    let tries = 0;
    do bound = await first.listen(await freePort(host));
    while (bound === false && !stopped() && ++tries < 5);
  } else bound = await first.listen(port);
  if (stopped()) throw whenStopped();
  if (bound === false) throw await whyNotListening(host, port);
  const p = bound;
  const rest = await Promise.all(Array.from({ length: workers - 1 }, (_, i) => start(i + 1).listen(p)));
  if (stopped()) throw whenStopped();
  const bad = rest.findIndex((r) => r === false);
  if (bad >= 0) throw new ListenError(host, p, `worker ${bad + 1} of ${workers} could not join the port (SO_REUSEPORT)`);
  return p;
}
