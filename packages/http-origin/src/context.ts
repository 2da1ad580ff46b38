/**
 * What every route of a thread's app shares: this thread's counter slice, the precomputed
 * responses, the two helpers that differ between the native uWS and its fallback, the closing
 * flag (once the listener closed, every response also closes its connection), and the count of
 * streaming responses that drain waits for.
 */
import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { UwsBackend } from './backend.js';
import { Shared } from './counters.js';
import { buildResponses } from './responses.js';
import type { HeaderBlock, Responses } from './responses.js';
import type { ThreadInit } from './server.js';

export type Closeable = TemplatedApp & { close?: () => void };

export interface Context {
  readonly init: ThreadInit;
  readonly native: boolean;
  readonly backend: UwsBackend;
  readonly shared: Shared;
  /** This thread's counters (the hot path writes only here). */
  readonly c: Float64Array;
  readonly R: Responses;
  /** Set when the listener closed: every response then also closes its connection. */
  closing: boolean;
  /** The port this thread listens on (0 before listen()). */
  port: number;
  /** Write a whole header block (one writeHeader call on native uWS). */
  writeBlock(res: HttpResponse, b: HeaderBlock): HttpResponse;
  /** End a HEAD response with `content-length: length` and no body. */
  endEmpty(res: HttpResponse, length: number): void;
  /** A streaming response started (drain waits for it). */
  streamStarted(): void;
  streamEnded(): void;
  /** Resolves when no streaming response is left. */
  idle(): Promise<void>;
}

export function createContext(init: ThreadInit, backend: UwsBackend): Context {
  const native = backend === 'native';
  const shared = new Shared(init.workers, init.sab);
  let inflight = 0;
  let wake: (() => void) | null = null;
  // HEAD: uWS 20.30's endWithoutBody(length) never marks the response done (the process
  // aborts), so the length goes in as a header and endWithoutBody() gets no arguments.
  const contentLength = Buffer.from('content-length');
  const ctx: Context = {
    init,
    native,
    backend,
    shared,
    c: shared.slice(init.worker),
    R: buildResponses(init.identity),
    closing: false,
    port: 0,
    writeBlock: native
      ? (res, b) => res.writeHeader(b.key, b.value)
      : (res, b) => {
        for (const [k, v] of b.pairs) res.writeHeader(k, v);
        return res;
      },
    endEmpty: native
      ? (res, length) => void res.writeHeader(contentLength, String(length)).endWithoutBody()
      : (res) => void res.end(undefined, ctx.closing),
    streamStarted() {
      inflight++;
    },
    streamEnded() {
      inflight--;
      if (inflight === 0 && wake) wake();
    },
    idle() {
      if (inflight === 0) return Promise.resolve();
      return new Promise<void>((r) => {
        wake = () => {
          wake = null;
          r();
        };
      });
    },
  };
  return ctx;
}
