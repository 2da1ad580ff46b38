import t from 'tap';
import { BYTES_SLOT, ROUTE, STATUS, Shared, slot } from '../src/counters.js';
import { renderMetrics } from '../src/metrics.js';
import { identity } from './fixtures/helpers.js';

t.test('Prometheus text: every family typed, counters summed over threads', async (t) => {
  const s = new Shared(2);
  s.slice(0)[slot(ROUTE.root, STATUS[200])] = 3;
  s.slice(1)[slot(ROUTE.root, STATUS[200])] = 4;
  s.slice(1)[slot(ROUTE.healthz, STATUS[503])] = 1;
  s.slice(0)[BYTES_SLOT] = 123;
  s.draining = true;
  const text = renderMetrics(s, { identity, backend: 'native', version: '1.0.0', uws: '20.57.0' }, s.startedAt + 2500);
  t.match(text, 'anycast_http_origin_requests_total{route="root",status="200"} 7\n');
  t.match(text, 'anycast_http_origin_requests_total{route="healthz",status="503"} 1\n');
  t.notMatch(text, 'status="405"');
  t.match(text, 'anycast_http_origin_worker_requests_total{worker="1"} 5\n');
  t.match(text, 'anycast_http_origin_response_body_bytes_total 123\n');
  t.match(text, 'anycast_http_origin_draining 1\n');
  t.match(text, 'anycast_http_origin_uptime_seconds 2.500\n');
  t.match(text, 'anycast_http_origin_workers 2\n');
  t.match(text, 'anycast_http_origin_uws_backend{backend="native",uws="20.57.0"} 1\n');
  t.match(text, 'anycast_http_origin_info{id="i-0e32d5b1a3f76cc05.us-west-2c",region="us-west-2",version="1.0.0"} 1\n');
  // every sample line belongs to a family with HELP and TYPE
  const families = new Set([...text.matchAll(/^# TYPE (\S+) (counter|gauge)$/gm)].map((m) => m[1]));
  for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) {
    t.ok(families.has(/^[a-z_]+/.exec(line)?.[0]), line);
    t.match(line, /^[a-z_]+(\{[^}]*\})? -?[0-9.]+$/);
  }
});
