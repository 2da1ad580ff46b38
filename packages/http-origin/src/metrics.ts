/**
 * Prometheus text exposition (format 0.0.4), rendered only when /metrics is scraped, and the
 * /metrics route. With `metricsExtra` (another origin's counters) the answer waits for that
 * text: the response is then made outside the request handler, so it is corked by hand.
 */
import type { Identity } from '@anycast-origin/identity';
import { uwsChoice } from './backend.js';
import type { HttpResponse } from 'uWebSockets.js';
import type { UwsBackend } from './backend.js';
import type { Closeable, Context } from './context.js';
import { BYTES_SLOT, INFLIGHT_SLOT, ROUTE, ROUTES, STATUS, STATUSES, openConnections, slot } from './counters.js';
import type { Shared } from './counters.js';
import { safe } from './routes.js';

export interface MetricsInfo {
  identity: Identity;
  backend: UwsBackend;
  version: string;
  /** uWebSockets.js release in use. @default the one this process loaded */
  uws?: string;
}

function label(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function renderMetrics(shared: Shared, info: MetricsInfo, now = Date.now()): string {
  const out: string[] = [];
  const { identity } = info;
  out.push('# HELP anycast_http_origin_info Who is answering: identity, region and software version.');
  out.push('# TYPE anycast_http_origin_info gauge');
  out.push(`anycast_http_origin_info{id="${label(identity.id)}",region="${label(identity.region ?? '')}",version="${label(info.version)}"} 1`);
  out.push('# HELP anycast_http_origin_requests_total Requests answered, by route and status.');
  out.push('# TYPE anycast_http_origin_requests_total counter');
  for (let r = 0; r < ROUTES.length; r++) {
    for (let s = 0; s < STATUSES.length; s++) {
      const n = shared.sum(slot(r, s));
      if (n > 0 || s === 0) out.push(`anycast_http_origin_requests_total{route="${ROUTES[r]}",status="${STATUSES[s]}"} ${n}`);
    }
  }
  out.push('# HELP anycast_http_origin_worker_requests_total Requests answered, by worker thread.');
  out.push('# TYPE anycast_http_origin_worker_requests_total counter');
  for (let w = 0; w < shared.workers; w++) out.push(`anycast_http_origin_worker_requests_total{worker="${w}"} ${shared.workerRequests(w)}`);
  out.push('# HELP anycast_http_origin_response_body_bytes_total Response body bytes sent (headers not counted).');
  out.push('# TYPE anycast_http_origin_response_body_bytes_total counter');
  out.push(`anycast_http_origin_response_body_bytes_total ${shared.sum(BYTES_SLOT)}`);
  const open = openConnections(shared.port);
  if (open !== null) {
    out.push('# HELP anycast_http_origin_open_connections Open TCP connections to the listening port (from /proc/net/tcp*).');
    out.push('# TYPE anycast_http_origin_open_connections gauge');
    out.push(`anycast_http_origin_open_connections ${open}`);
  }
  out.push('# HELP anycast_http_origin_in_flight_responses Streaming responses (/data) not finished yet.');
  out.push('# TYPE anycast_http_origin_in_flight_responses gauge');
  out.push(`anycast_http_origin_in_flight_responses ${shared.sum(INFLIGHT_SLOT)}`);
  out.push('# HELP anycast_http_origin_draining 1 from the moment drain() starts (/healthz answers 503), else 0.');
  out.push('# TYPE anycast_http_origin_draining gauge');
  out.push(`anycast_http_origin_draining ${shared.draining ? 1 : 0}`);
  out.push('# HELP anycast_http_origin_uptime_seconds Seconds since the origin was created.');
  out.push('# TYPE anycast_http_origin_uptime_seconds gauge');
  out.push(`anycast_http_origin_uptime_seconds ${((now - shared.startedAt) / 1000).toFixed(3)}`);
  out.push('# HELP anycast_http_origin_workers Worker threads serving the port.');
  out.push('# TYPE anycast_http_origin_workers gauge');
  out.push(`anycast_http_origin_workers ${shared.workers}`);
  out.push('# HELP anycast_http_origin_uws_backend uWebSockets.js backend in use (native C++ or the slow pure-Node fallback) and its release.');
  out.push('# TYPE anycast_http_origin_uws_backend gauge');
  out.push(`anycast_http_origin_uws_backend{backend="${info.backend}",uws="${label(info.uws ?? uwsChoice().build.version)}"} 1`);
  return out.join('\n') + '\n';
}

/** `/metrics` (GET and HEAD), with the extra text appended when there is one. */
export function registerMetrics(app: Closeable, ctx: Context, extra: (() => Promise<string>) | undefined): void {
  const { c, R, shared, init, backend } = ctx;
  const iMetrics = slot(ROUTE.metrics, STATUS[200]);
  const info = { identity: init.identity, backend, version: init.version };
  const send = (res: HttpResponse, text: string, head: boolean): void => {
    c[iMetrics]! += 1;
    const b = Buffer.from(text, 'utf8');
    ctx.writeBlock(res, R.metrics);
    if (head) ctx.endEmpty(res, b.length);
    else {
      c[BYTES_SLOT]! += b.length;
      res.end(b, ctx.closing);
    }
  };
  const metrics = (res: HttpResponse, head: boolean): void => {
    const own = renderMetrics(shared, info);
    if (!extra) return send(res, own, head);
    let aborted = false;
    res.onAborted(() => { aborted = true; });
    const reply = (text: string): void => {
      if (!aborted) res.cork(() => send(res, text, head));
    };
    extra().then((more) => reply(own + more), () => reply(own));
  };
  app.get('/metrics', safe(ctx, ROUTE.metrics, (res) => metrics(res, false)));
  app.head('/metrics', safe(ctx, ROUTE.metrics, (res) => metrics(res, true)));
}
