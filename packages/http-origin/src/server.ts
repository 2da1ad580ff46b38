/**
 * One uWS app and its lifecycle: listen, stop accepting, finish gracefully, or close now. Runs
 * in a worker thread (workers > 1) or in the calling thread (workers: 1). The routes are in
 * ./routes.ts (identity, health, /json, 405), ./data.ts (/bench, /data) and ./metrics.ts
 * (/metrics); each registers itself on the app with what ./context.ts gives every route.
 */
import type { Identity } from '@anycast-origin/identity';
import type { us_listen_socket } from 'uWebSockets.js';
import { loadUws } from './backend.js';
import type { UwsBackend } from './backend.js';
import { createContext } from './context.js';
import type { Closeable } from './context.js';
import { registerData } from './data.js';
import { registerMetrics } from './metrics.js';
import { registerRoutes } from './routes.js';

/** What a thread needs to serve (structured-clonable: it is a worker's workerData). */
export interface ThreadInit {
  /** This thread's index (0..workers-1). */
  worker: number;
  workers: number;
  identity: Identity;
  host: string;
  maxDataBytes: number;
  benchmarkRoutes: boolean;
  metricsRoute: boolean;
  /** The origin has `metricsExtra` (the function itself reaches the thread through ThreadHooks). */
  metricsExtra: boolean;
  version: string;
  sab: SharedArrayBuffer;
}

/** What cannot cross into a worker's workerData: functions, given by the thread's owner. */
export interface ThreadHooks {
  /** More Prometheus text for /metrics (the origin's `metricsExtra`, possibly over a message port). */
  metricsExtra?: () => Promise<string>;
}

export interface ThreadServer {
  readonly backend: UwsBackend;
  /** Listen on host:port; resolves the bound port, or false when uWS could not listen. */
  listen(port: number): Promise<number | false>;
  /**
   * Graceful end: close the listener, answer what still arrives on open connections with
   * `Connection: close` for `lingerMs`, wait for streaming responses to finish, then close
   * every connection.
   */
  finish(lingerMs: number): Promise<void>;
  /** Close the listener and every connection now (in-flight responses are cut). */
  forceClose(): void;
}

export function createThreadServer(init: ThreadInit, hooks: ThreadHooks = {}): ThreadServer {
  const { uws, backend } = loadUws();
  const app = uws.App() as Closeable;
  const ctx = createContext(init, backend);
  registerRoutes(app, ctx);
  if (init.benchmarkRoutes) registerData(app, ctx);
  if (init.metricsRoute) registerMetrics(app, ctx, hooks.metricsExtra);

  let listenSocket: us_listen_socket | null = null;
  let closedAll = false;
  const closeListener = (): void => {
    ctx.closing = true;
    if (listenSocket) {
      uws.us_listen_socket_close(listenSocket);
      listenSocket = null;
    }
  };
  const closeAll = (): void => {
    closeListener();
    if (closedAll) return;
    closedAll = true;
    if (typeof app.close === 'function') app.close();
  };

  return {
    backend,
    listen(port: number): Promise<number | false> {
      // Never listen once closing started: a socket opened then would outlive the thread.
      if (ctx.closing || closedAll) return Promise.resolve(false);
      return new Promise((resolve) => {
        app.listen(init.host, port, (ls) => {
          if (!ls) return resolve(false);
          listenSocket = ls;
          ctx.port = uws.us_socket_local_port(ls as unknown as Parameters<typeof uws.us_socket_local_port>[0]);
          resolve(ctx.port);
        });
      });
    },
    async finish(lingerMs: number): Promise<void> {
      closeListener();
      if (lingerMs > 0) await new Promise((r) => setTimeout(r, lingerMs));
      await ctx.idle();
      closeAll();
    },
    forceClose: closeAll,
  };
}
