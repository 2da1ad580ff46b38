/**
 * `/bench` (a one-byte body) and `/data?size=N` (N bytes, streamed with backpressure): the
 * benchmark routes, registered only with `benchmarkRoutes` (a public origin must not hand a
 * stranger N bytes for a 60-byte request).
 *
 * Backpressure: tryEnd() hands uWS at most one 64 KiB chunk; when the socket is full it returns
 * ok=false and keeps nothing beyond what the kernel and uWS's own buffer took, and
 * onWritable(offset) resumes from the write offset. Byte i of the body is DATA_PATTERN[i % 64],
 * so any offset is a slice of one shared source Buffer: memory does not grow per client.
 */
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import type { Closeable, Context } from './context.js';
import { BYTES_SLOT, INFLIGHT_SLOT, ROUTE, STATUS, slot } from './counters.js';
import { LIMITS } from './options.js';
import { DATA_PATTERN, dataSource, parseDataSize } from './responses.js';
import { safe } from './routes.js';

export function registerData(app: Closeable, ctx: Context): void {
  const { c, R, init } = ctx;
  const iBench = slot(ROUTE.bench, STATUS[200]);
  const bench = R.bench;
  const benchLen = bench.length;
  app.get('/bench', (res) => {
    c[iBench]! += 1;
    c[BYTES_SLOT]! += benchLen;
    ctx.writeBlock(res, R.text).end(bench, ctx.closing);
  });
  app.head('/bench', (res) => {
    c[iBench]! += 1;
    ctx.endEmpty(ctx.writeBlock(res, R.text), benchLen);
  });

  const CHUNK = LIMITS.dataChunkBytes;
  const source = dataSource(CHUNK);
  const P = DATA_PATTERN.length;
  const iData = slot(ROUTE.data, STATUS[200]);
  const iData400 = slot(ROUTE.data, STATUS[400]);

  const stream = (res: HttpResponse, total: number): void => {
    ctx.streamStarted();
    c[INFLIGHT_SLOT]! += 1;
    let done = false;
    const finish = (sent: number): void => {
      if (done) return;
      done = true;
      c[INFLIGHT_SLOT]! -= 1;
      c[BYTES_SLOT]! += sent;
      ctx.streamEnded();
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

  const data = (res: HttpResponse, req: HttpRequest, head: boolean): void => {
    const size = parseDataSize(req.getQuery('size') ?? '', init.maxDataBytes);
    if (typeof size === 'string') {
      c[iData400]! += 1;
      const b = Buffer.from(`bad request: ${size}\n`, 'utf8');
      ctx.writeBlock(res.writeStatus(R.status400), R.text);
      if (head) ctx.endEmpty(res, b.length);
      else {
        c[BYTES_SLOT]! += b.length;
        res.end(b, ctx.closing);
      }
      return;
    }
    c[iData]! += 1;
    ctx.writeBlock(res, R.octets);
    if (head) return ctx.endEmpty(res, size);
    if (!ctx.native) {
      // The fallback has no tryEnd/onWritable: one buffered write (documented).
      const b = Buffer.allocUnsafe(size);
      for (let i = 0; i < size; i += CHUNK) source.copy(b, i, 0, Math.min(CHUNK, size - i));
      c[BYTES_SLOT]! += size;
      res.end(b, ctx.closing);
      return;
    }
    if (size <= CHUNK) {
      // Small bodies in one end(): uWS buffers at most one chunk for a slow reader.
      c[BYTES_SLOT]! += size;
      res.end(source.subarray(0, size), ctx.closing);
      return;
    }
    stream(res, size);
  };
  app.get('/data', safe(ctx, ROUTE.data, (res, req) => data(res, req, false)));
  app.head('/data', safe(ctx, ROUTE.data, (res, req) => data(res, req, true)));
}
