import t from 'tap';
import { readFileSync } from 'node:fs';
import { tableIn } from '@anycast-origin/options';
import { METRICS, METRICS_END, METRICS_START, metricsTable, renderMetrics } from '../src/index.js';
import type { EmulatorState } from '../src/index.js';

t.test('the README\'s metrics table lists every metric', async (t) => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  t.equal(tableIn(readme, METRICS_START, METRICS_END), metricsTable());
});

t.test('Prometheus text: every family with HELP and TYPE, labels escaped, counters from the state', async (t) => {
  const counters = { flows: 3, active: 1, packetsIn: 4, bytesIn: 100, packetsOut: 4, bytesOut: 200, byVia: { dial: 2, failover: 1, 'fail-open': 0 } };
  const state = {
    accelerators: [{
      name: 'lab "1"',
      listeners: [{ id: 'abcd1234', protocol: 'UDP', endpointGroups: [{ region: 'eu-central-1', endpoints: [{ id: 'i-0123456789abcdef0', health: 'HEALTHY', counters }] }] }],
    }],
    drops: { no_route: 1, endpoint_unregistered: 0, oversized: 2, upstream_error: 0, evicted: 0 },
    healthChecks: { checks: 5, passed: 4, failed: 1 },
    api: { ListAccelerators: { ok: 3, ThrottlingException: 1 } },
    flowLogRecords: 6,
  } as unknown as EmulatorState;
  const text = renderMetrics(state);
  for (const name of Object.keys(METRICS)) {
    t.match(text, `# HELP ${name} `);
    t.match(text, `# TYPE ${name} `);
  }
  const base = 'accelerator="lab \\"1\\"",listener="abcd1234",protocol="UDP",region="eu-central-1",endpoint="i-0123456789abcdef0"';
  t.match(text, `anycast_ga_emulator_flows_total{${base},via="failover"} 1\n`);
  t.match(text, `anycast_ga_emulator_bytes_total{${base},direction="out"} 200\n`);
  t.match(text, 'anycast_ga_emulator_endpoint_healthy{accelerator="lab \\"1\\"",listener="abcd1234",region="eu-central-1",endpoint="i-0123456789abcdef0",state="HEALTHY"} 1\n');
  t.match(text, 'anycast_ga_emulator_dropped_total{reason="oversized"} 2\n');
  t.match(text, 'anycast_ga_emulator_api_requests_total{operation="ListAccelerators",outcome="ThrottlingException"} 1\n');
  t.match(text, 'anycast_ga_emulator_flow_log_records_total 6\n');
  t.ok(text.endsWith('\n'));
});
