import t from 'tap';
import { request } from 'node:http';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { dig, freePort, needs } from '@anycast-origin/testkit';
import { startOrigin } from './fixtures/origin.js';

interface Family { name: string; type: string; metrics: { value: string; labels?: Record<string, string> }[] }

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Scrape with a real Prometheus text-format parser: a malformed line fails the parse. */
async function scrape(port: number): Promise<Map<string, Family>> {
  const r = await get(port, '/metrics');
  if (r.status !== 200) throw new Error(`/metrics answered ${r.status}`);
  const families = parsePrometheusTextFormat(r.body) as Family[];
  return new Map(families.map((f) => [f.name, f]));
}

function value(fams: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  const f = fams.get(name);
  const m = f?.metrics.find((x) => Object.entries(labels).every(([k, v]) => x.labels?.[k] === v));
  if (!m) throw new Error(`no ${name}${JSON.stringify(labels)}`);
  return Number(m.value);
}

t.test('default: the HTTP port\'s /metrics carries both origins, parsed as Prometheus text', needs('dig', 'bind9-dnsutils'), async (t) => {
  const o = await startOrigin(t, ['--identity-id', 'metrics-1', '--drain-seconds', '0', '--dns-zone-name', 'lab.example']);
  await dig(o.dnsPort, ['id.server', 'txt', 'ch', '+short']);
  await dig(o.dnsPort, ['+tcp', 'id.server', 'txt', 'ch', '+short']);
  await dig(o.dnsPort, ['version.bind', 'txt', 'ch', '+short']);
  await dig(o.dnsPort, ['nope.lab.example', 'a', '+norec']);
  await dig(o.dnsPort, ['outside.example', 'a', '+norec']);
  await dig(o.dnsPort, ['whoami.lab.example', 'txt', '+short']);
  await get(o.httpPort, '/');
  const fams = await scrape(o.httpPort);
  t.equal(fams.get('anycast_http_origin_requests_total')?.type, 'COUNTER');
  t.equal(value(fams, 'anycast_http_origin_requests_total', { route: 'root', status: '200' }), 1);
  t.equal(fams.get('anycast_dns_origin_queries_total')?.type, 'COUNTER');
  t.equal(value(fams, 'anycast_dns_origin_queries_total', { transport: 'udp' }), 5);
  t.equal(value(fams, 'anycast_dns_origin_queries_total', { transport: 'tcp' }), 1);
  t.equal(value(fams, 'anycast_dns_origin_answers_total', { kind: 'identity' }), 2);
  t.equal(value(fams, 'anycast_dns_origin_answers_total', { kind: 'version' }), 1);
  t.equal(value(fams, 'anycast_dns_origin_answers_total', { kind: 'zone' }), 1, 'NXDOMAIN inside the zone');
  t.equal(value(fams, 'anycast_dns_origin_answers_total', { kind: 'refused' }), 1);
  t.equal(value(fams, 'anycast_dns_origin_answers_total', { kind: 'whoami' }), 1);
  t.equal(value(fams, 'anycast_dns_origin_responses_total', { rcode: 'NXDOMAIN' }), 1);
  t.equal(value(fams, 'anycast_dns_origin_responses_total', { rcode: 'REFUSED' }), 1);
  t.equal(value(fams, 'anycast_dns_origin_tcp_connections_total'), 1);
  t.equal(value(fams, 'anycast_dns_origin_workers'), 1);
  t.equal(fams.get('anycast_dns_origin_workers')?.type, 'GAUGE');
  t.equal(value(fams, 'anycast_dns_origin_info', { id: 'metrics-1' }), 1);
  for (const name of fams.keys()) t.match(name, /^anycast_(http|dns)_origin_/, `${name}: one prefix per library`);
  for (const [name, f] of fams) if (f.type === 'COUNTER') t.match(name, /_total$/, `${name}: counters end in _total`);
  o.child.kill('SIGTERM');
  t.equal((await o.exit).code, 0);
});

t.test('--metrics ADDR:PORT: a listener of its own; /metrics leaves the public port', async (t) => {
  const port = await freePort();
  const o = await startOrigin(t, ['--metrics', `127.0.0.1:${port}`, '--drain-seconds', '0']);
  t.match(o.start, { metrics: { address: '127.0.0.1', port } });
  const fams = await scrape(port);
  t.ok(fams.has('anycast_http_origin_requests_total'));
  t.ok(fams.has('anycast_dns_origin_queries_total'));
  const pub = await get(o.httpPort, '/metrics');
  t.equal(pub.status, 200);
  t.match(pub.body, /^hostname: /, 'on the public port /metrics is just another path now');
  t.equal((await get(port, '/other')).status, 404);
  o.child.kill('SIGTERM');
  t.equal((await o.exit).code, 0);
});

t.test('a DNS-only host: no metrics by default, DNS metrics on --metrics', async (t) => {
  const plain = await startOrigin(t, ['--http', 'off', '--drain-seconds', '0']);
  t.match(plain.start, { http: 'off', metrics: 'off' });
  plain.child.kill('SIGTERM');
  await plain.exit;
  const port = await freePort();
  const o = await startOrigin(t, ['--http', 'off', '--metrics', `127.0.0.1:${port}`, '--drain-seconds', '0']);
  const fams = await scrape(port);
  t.ok(fams.has('anycast_dns_origin_queries_total'));
  t.notOk(fams.has('anycast_http_origin_requests_total'));
  o.child.kill('SIGTERM');
  t.equal((await o.exit).code, 0);
});
