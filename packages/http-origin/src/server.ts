/**
 * One uWS app: the routes, the hot path and this thread's share of drain and close. Runs in
 * a worker thread (threads > 1) or in the calling thread (threads: 1).
 *
 * Hot path rules: every body, status line and header block is a Buffer built once from the
 * identity; a response is one writeHeader (the whole precomputed header block) and one end;
 * counters are plain Float64 slots bumped in place; responses made inside the request handler
 * are already corked by uWS (cork() is only needed from other callbacks), onWritable runs
 * corked too, so no cork() call is needed anywhere here.
 */
import type { Identity } from '@anycast-origin/identity';
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import { loadUws } from './backend.js';
import type { UwsBackend } from './backend.js';
import { BYTES_SLOT, INFLIGHT_SLOT, ROUTE, STATUS, Shared, slot } from './counters.js';
import { LIMITS } from './defaults.js';
import { renderMetrics } from './metrics.js';
import { DATA_PATTERN, buildResponses, dataSource, parseDataSize } from './responses.js';
import type { HeaderBlock } from './responses.js';

/** What a thread needs to serve (structured-clonable: it is a worker's workerData). */
export interface ThreadInit {
  thread: number;
  threads: number;
  identity: Identity;
  host: string;
  maxDataBytes: number;
  version: string;
  sab: SharedArrayBuffer;
}

export interface ThreadServer {
  readonly backend: UwsBackend;
  /** Listen on host:port; resolves the bound port, or false when uWS could not listen. */
  listen(port: number): Promise<number | false>;
  /** Stop accepting: close this thread's listen socket. */
  closeListener(): void;
  /**
   * Graceful end: close the listener, answer what still arrives on open connections with
   * `Connection: close` for `lingerMs`, wait for streaming responses to finish, then close
   * every connection.
   */
  finish(lingerMs: number): Promise<void>;
  /** Close the listener and every connection now (in-flight responses are cut). */
  forceClose(): void;
}

/** The JSON document /json answers with. */
export interface RequestEcho {
  id: string;
  hostname: string;
  instanceId: string | null;
  availabilityZone: string | null;
  region: string | null;
  clientAddress: string | null;
  /** Always null: uWebSockets.js 20.30 does not expose the peer's port. */
  clientPort: number | null;
  serverAddress: string;
  serverPort: number;
  method: string;
  path: string;
  query: string;
  httpVersion: string;
  headers: Record<string, string>;
  time: string;
  version: string;
  thread: number;
}

type Closeable = TemplatedApp & { close?: () => void };

export function createThreadServer(init: ThreadInit): ThreadServer {
  const { uws, backend } = loadUws();
  const native = backend === 'native';
  const shared = new Shared(init.threads, init.sab);
  const c = shared.slice(init.thread);
  const R = buildResponses(init.identity);
  const app = uws.App() as Closeable;
  const CHUNK = LIMITS.dataChunkBytes;
  const source = dataSource(CHUNK);
  const P = DATA_PATTERN.length;

  let listenSocket: us_listen_socket | null = null;
  let boundPort = 0;
  /** Set when the listener closed: every response then also closes its connection. */
  let closing = false;
  let inflight = 0;
  let idle: (() => void) | null = null;

  const writeBlock = native
    ? (res: HttpResponse, b: HeaderBlock): HttpResponse => res.writeHeader(b.key, b.value)
    : (res: HttpResponse, b: HeaderBlock): HttpResponse => {
      for (const [k, v] of b.pairs) res.writeHeader(k, v);
      return res;
    };
  // HEAD: uWS 20.30's endWithoutBody(length) never marks the response done (the process
  // aborts), so the length goes in as a header and endWithoutBody() gets no arguments.
  const contentLength = Buffer.from('content-length');
  const endEmpty = native
    ? (res: HttpResponse, length: number): void => void res.writeHeader(contentLength, String(length)).endWithoutBody()
    : (res: HttpResponse): void => void res.end(undefined, closing);

  // ---- the hot path: `/` and every unlisted path, and /bench ----
  const iRoot = slot(ROUTE.root, STATUS[200]);
  const iBench = slot(ROUTE.bench, STATUS[200]);
  const textKey = R.text.key;
  const textValue = R.text.value;
  const body = R.identityText;
  const bodyLen = body.length;
  const bench = R.bench;
  const benchLen = bench.length;

  if (native) {
    app.get('/*', (res) => {
      c[iRoot]! += 1;
      c[BYTES_SLOT]! += bodyLen;
      res.writeHeader(textKey, textValue).end(body, closing);
    });
    app.get('/bench', (res) => {
      c[iBench]! += 1;
      c[BYTES_SLOT]! += benchLen;
      res.writeHeader(textKey, textValue).end(bench, closing);
    });
  } else {
    app.get('/*', (res) => {
      c[iRoot]! += 1;
      c[BYTES_SLOT]! += bodyLen;
      writeBlock(res, R.text).end(body, closing);
    });
    app.get('/bench', (res) => {
      c[iBench]! += 1;
      c[BYTES_SLOT]! += benchLen;
      writeBlock(res, R.text).end(bench, closing);
    });
  }
  app.head('/*', (res) => {
    c[iRoot]! += 1;
    endEmpty(writeBlock(res, R.text), bodyLen);
  });
  app.head('/bench', (res) => {
    c[iBench]! += 1;
    endEmpty(writeBlock(res, R.text), benchLen);
  });

  // Off the hot path, a handler that throws would leave uWS without an answer, and uWS aborts
  // the process then: answer 500 instead.
  const status500 = Buffer.from('500 Internal Server Error');
  const internalError = Buffer.from('internal error\n');
  const safe = (route: number, h: (res: HttpResponse, req: HttpRequest) => void) => (res: HttpResponse, req: HttpRequest): void => {
    try {
      h(res, req);
    } catch {
      c[slot(route, STATUS[500])]! += 1;
      try {
        writeBlock(res.writeStatus(status500), R.text).end(internalError, true);
      } catch {
        // already answered (or aborted): nothing more to do
      }
    }
  };

  // ---- /healthz ----
  const iOk = slot(ROUTE.healthz, STATUS[200]);
  const i503 = slot(ROUTE.healthz, STATUS[503]);
  const health = (res: HttpResponse, head: boolean): void => {
    if (shared.draining) {
      c[i503]! += 1;
      writeBlock(res.writeStatus(R.status503), R.text);
      if (head) endEmpty(res, R.draining.length);
      else {
        c[BYTES_SLOT]! += R.draining.length;
        res.end(R.draining, closing);
      }
    } else {
      c[iOk]! += 1;
      writeBlock(res, R.text);
      if (head) endEmpty(res, R.ok.length);
      else {
        c[BYTES_SLOT]! += R.ok.length;
        res.end(R.ok, closing);
      }
    }
  };
  app.get('/healthz', (res) => health(res, false));
  app.head('/healthz', (res) => health(res, true));

  // ---- /json ----
  const iJson = slot(ROUTE.json, STATUS[200]);
  const echo = (res: HttpResponse, req: HttpRequest): Buffer => {
    const headers: Record<string, string> = {};
    req.forEach((k, v) => {
      headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
    });
    const id = init.identity;
    const doc: RequestEcho = {
      id: id.id,
      hostname: id.hostname,
      instanceId: id.instanceId ?? null,
      availabilityZone: id.availabilityZone ?? null,
      region: id.region ?? null,
      clientAddress: clientAddress(res),
      clientPort: null,
      serverAddress: init.host,
      serverPort: boundPort,
      method: req.getCaseSensitiveMethod(),
      path: req.getUrl(),
      query: req.getQuery() ?? '',
      httpVersion: 'HTTP/1.1',
      headers,
      time: new Date().toISOString(),
      version: init.version,
      thread: init.thread,
    };
    return Buffer.from(JSON.stringify(doc) + '\n', 'utf8');
  };
  app.get('/json', safe(ROUTE.json, (res, req) => {
    const b = echo(res, req);
    c[iJson]! += 1;
    c[BYTES_SLOT]! += b.length;
    writeBlock(res, R.json).end(b, closing);
  }));
  app.head('/json', safe(ROUTE.json, (res, req) => {
    const b = echo(res, req);
    c[iJson]! += 1;
    endEmpty(writeBlock(res, R.json), b.length);
  }));

  // ---- /metrics ----
  const iMetrics = slot(ROUTE.metrics, STATUS[200]);
  const metricsInfo = { identity: init.identity, backend, version: init.version };
  const metrics = (res: HttpResponse, head: boolean): void => {
    c[iMetrics]! += 1;
    const b = Buffer.from(renderMetrics(shared, metricsInfo), 'utf8');
    writeBlock(res, R.metrics);
    if (head) endEmpty(res, b.length);
    else {
      c[BYTES_SLOT]! += b.length;
      res.end(b, closing);
    }
  };
  app.get('/metrics', safe(ROUTE.metrics, (res) => metrics(res, false)));
  app.head('/metrics', safe(ROUTE.metrics, (res) => metrics(res, true)));

  // ---- /data?size=N ----
  const iData = slot(ROUTE.data, STATUS[200]);
  const iData400 = slot(ROUTE.data, STATUS[400]);
  const data = (res: HttpResponse, req: HttpRequest, head: boolean): void => {
    const size = parseDataSize(req.getQuery('size') ?? '', init.maxDataBytes);
    if (typeof size === 'string') {
      c[iData400]! += 1;
      const b = Buffer.from(`bad request: ${size}\n`, 'utf8');
      writeBlock(res.writeStatus(R.status400), R.text);
      if (head) endEmpty(res, b.length);
      else {
        c[BYTES_SLOT]! += b.length;
        res.end(b, closing);
      }
      return;
    }
    c[iData]! += 1;
    writeBlock(res, R.octets);
    if (head) return endEmpty(res, size);
    if (!native) {
      // The fallback has no tryEnd/onWritable: one buffered write (documented).
      const b = Buffer.allocUnsafe(size);
      for (let i = 0; i < size; i += CHUNK) source.copy(b, i, 0, Math.min(CHUNK, size - i));
      c[BYTES_SLOT]! += size;
      res.end(b, closing);
      return;
    }
    if (size <= CHUNK) {
      // Small bodies in one end(): uWS buffers at most one chunk for a slow reader.
      c[BYTES_SLOT]! += size;
      res.end(source.subarray(0, size), closing);
      return;
    }
    stream(res, size);
  };
  /**
   * Backpressure: tryEnd() hands uWS at most one 64 KiB chunk; when the socket is full it
   * returns ok=false and keeps nothing beyond what the kernel and uWS's own buffer took, and
   * onWritable(offset) resumes from the write offset. Byte i of the body is DATA_PATTERN[i % 64],
   * so any offset is a slice of one shared source Buffer: memory does not grow per client.
   */
  const stream = (res: HttpResponse, total: number): void => {
    inflight++;
    c[INFLIGHT_SLOT]! += 1;
    let done = false;
    const finish = (sent: number): void => {
      if (done) return;
      done = true;
      inflight--;
      c[INFLIGHT_SLOT]! -= 1;
      c[BYTES_SLOT]! += sent;
      if (inflight === 0 && idle) idle();
    };
    res.onAborted(() => finish(0));
    const pump = (): boolean => {
      for (;;) {
        const offset = res.getWriteOffset();
        const start = offset % P;
        const n = Math.min(CHUNK, total - offset);
        const [ok, responded] = res.tryEnd(source.subarray(start, start + n), total);
        if (responded) {
          finish(total);
          return true;
        }
        if (!ok) return false;
      }
    };
    if (!pump()) res.onWritable(pump);
  };
  app.get('/data', safe(ROUTE.data, (res, req) => data(res, req, false)));
  app.head('/data', safe(ROUTE.data, (res, req) => data(res, req, true)));

  // ---- every other method: 405 with Allow ----
  const routeOf = (url: string): number => {
    switch (url) {
      case '/json': return ROUTE.json;
      case '/healthz': return ROUTE.healthz;
      case '/metrics': return ROUTE.metrics;
      case '/bench': return ROUTE.bench;
      case '/data': return ROUTE.data;
      default: return ROUTE.root;
    }
  };
  const i405 = STATUS[405];
  const notAllowedLen = R.methodNotAllowed.length;
  app.any('/*', (res, req) => {
    c[slot(routeOf(req.getUrl()), i405)]! += 1;
    c[BYTES_SLOT]! += notAllowedLen;
    writeBlock(res.writeStatus(R.status405), R.notAllowed).end(R.methodNotAllowed, closing);
  });

  const closeListener = (): void => {
    closing = true;
    if (listenSocket) {
      uws.us_listen_socket_close(listenSocket);
      listenSocket = null;
    }
  };
  let closedAll = false;
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
      if (closing || closedAll) return Promise.resolve(false);
      return new Promise((resolve) => {
        app.listen(init.host, port, (ls) => {
          if (!ls) return resolve(false);
          listenSocket = ls;
          boundPort = uws.us_socket_local_port(ls as unknown as Parameters<typeof uws.us_socket_local_port>[0]);
          resolve(boundPort);
        });
      });
    },
    closeListener,
    async finish(lingerMs: number): Promise<void> {
      closeListener();
      if (lingerMs > 0) await new Promise((r) => setTimeout(r, lingerMs));
      if (inflight > 0) await new Promise<void>((r) => { idle = r; });
      idle = null;
      closeAll();
    },
    forceClose(): void {
      closeAll();
    },
  };
}

function clientAddress(res: HttpResponse): string | null {
  try {
    return canonicalIp(Buffer.from(res.getRemoteAddressAsText()).toString('latin1'));
  } catch {
    return null; // the fallback does not implement it
  }
}

/**
 * uWS gives IPv6 peers fully expanded (`0000:...:0001`): compress them (RFC 5952) and turn
 * IPv4-mapped addresses (`::ffff:a.b.c.d`) into plain IPv4.
 */
export function canonicalIp(text: string): string {
  if (!text.includes(':')) return text;
  if (text.includes('.')) return /^(?:0{1,4}:){0,5}:?(?:0{0,4}:)?ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(text)?.[1] ?? text.toLowerCase();
  const parts = text.split(':');
  if (parts.length !== 8 || parts.some((p) => !/^[0-9a-f]{1,4}$/i.test(p))) return text.toLowerCase();
  const groups = parts.map((p) => parseInt(p, 16));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const a = groups[6] ?? 0;
    const b = groups[7] ?? 0;
    return `${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`;
  }
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}
