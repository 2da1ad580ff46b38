/**
 * The routes every origin serves: the identity text on `/` and every unlisted path (the hot
 * path: one writeHeader with the whole precomputed header block, one end with a precomputed
 * body, one counter bump), `/healthz`, `/json`, and 405 for every other method.
 *
 * Responses made inside a uWS request handler are already corked by uWS; no cork() is needed.
 */
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import type { Closeable, Context } from './context.js';
import { BYTES_SLOT, ROUTE, STATUS, slot } from './counters.js';
import { requestEcho } from './echo.js';

/**
 * Off the hot path, a handler that throws would leave uWS without an answer, and uWS aborts the
 * process then: answer 500 instead.
 */
export function safe(ctx: Context, route: number, h: (res: HttpResponse, req: HttpRequest) => void) {
  const status500 = Buffer.from('500 Internal Server Error');
  const internalError = Buffer.from('internal error\n');
  return (res: HttpResponse, req: HttpRequest): void => {
    try {
      h(res, req);
    } catch {
      ctx.c[slot(route, STATUS[500])]! += 1;
      try {
        ctx.writeBlock(res.writeStatus(status500), ctx.R.text).end(internalError, true);
      } catch {
        // already answered (or aborted): nothing more to do
      }
    }
  };
}

export function registerRoutes(app: Closeable, ctx: Context): void {
  registerIdentity(app, ctx);
  registerHealth(app, ctx);
  registerJson(app, ctx);
  registerNotAllowed(app, ctx);
}

/** `/` and every unlisted path: `hostname: <id>\n`. */
function registerIdentity(app: Closeable, ctx: Context): void {
  const { c, R } = ctx;
  const iRoot = slot(ROUTE.root, STATUS[200]);
  const textKey = R.text.key;
  const textValue = R.text.value;
  const body = R.identityText;
  const bodyLen = body.length;
  if (ctx.native) {
    app.get('/*', (res) => {
      c[iRoot]! += 1;
      c[BYTES_SLOT]! += bodyLen;
      res.writeHeader(textKey, textValue).end(body, ctx.closing);
    });
  } else {
    app.get('/*', (res) => {
      c[iRoot]! += 1;
      c[BYTES_SLOT]! += bodyLen;
      ctx.writeBlock(res, R.text).end(body, ctx.closing);
    });
  }
  app.head('/*', (res) => {
    c[iRoot]! += 1;
    ctx.endEmpty(ctx.writeBlock(res, R.text), bodyLen);
  });
}

/** `/healthz`: 200 `ok`, or 503 `draining` from the moment drain() starts (every thread at once). */
function registerHealth(app: Closeable, ctx: Context): void {
  const { c, R, shared } = ctx;
  const iOk = slot(ROUTE.healthz, STATUS[200]);
  const i503 = slot(ROUTE.healthz, STATUS[503]);
  const health = (res: HttpResponse, head: boolean): void => {
    const draining = shared.draining;
    const body = draining ? R.draining : R.ok;
    c[draining ? i503 : iOk]! += 1;
    ctx.writeBlock(draining ? res.writeStatus(R.status503) : res, R.text);
    if (head) ctx.endEmpty(res, body.length);
    else {
      c[BYTES_SLOT]! += body.length;
      res.end(body, ctx.closing);
    }
  };
  app.get('/healthz', (res) => health(res, false));
  app.head('/healthz', (res) => health(res, true));
}

/** `/json`: who answered and who asked. */
function registerJson(app: Closeable, ctx: Context): void {
  const { c, R } = ctx;
  const iJson = slot(ROUTE.json, STATUS[200]);
  const json = (res: HttpResponse, req: HttpRequest, head: boolean): void => {
    const b = requestEcho(ctx, res, req);
    c[iJson]! += 1;
    ctx.writeBlock(res, R.json);
    if (head) ctx.endEmpty(res, b.length);
    else {
      c[BYTES_SLOT]! += b.length;
      res.end(b, ctx.closing);
    }
  };
  app.get('/json', safe(ctx, ROUTE.json, (res, req) => json(res, req, false)));
  app.head('/json', safe(ctx, ROUTE.json, (res, req) => json(res, req, true)));
}

/** Every method but GET and HEAD: 405 with `allow: GET, HEAD`. */
function registerNotAllowed(app: Closeable, ctx: Context): void {
  const { c, R, init } = ctx;
  const routeOf = (url: string): number => {
    switch (url) {
      case '/json': return ROUTE.json;
      case '/healthz': return ROUTE.healthz;
      case '/metrics': return init.metricsRoute ? ROUTE.metrics : ROUTE.root;
      case '/bench': return init.benchmarkRoutes ? ROUTE.bench : ROUTE.root;
      case '/data': return init.benchmarkRoutes ? ROUTE.data : ROUTE.root;
      default: return ROUTE.root;
    }
  };
  const i405 = STATUS[405];
  const notAllowedLen = R.methodNotAllowed.length;
  app.any('/*', (res, req) => {
    c[slot(routeOf(req.getUrl()), i405)]! += 1;
    c[BYTES_SLOT]! += notAllowedLen;
    ctx.writeBlock(res.writeStatus(R.status405), R.notAllowed).end(R.methodNotAllowed, ctx.closing);
  });
}
