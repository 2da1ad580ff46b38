/**
 * Prometheus text exposition of the emulator's counters (`anycast_ga_emulator_*`), rendered
 * only when scraped: per endpoint of each group (flows, active flows, packets and bytes each
 * way, health), drops by reason, health checks, API calls by operation and outcome, flow log
 * records. The state snapshot carries the same numbers as JSON.
 */
import type { EmulatorState } from './emulator.js';

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labels = (l: Record<string, string | number>) => `{${Object.entries(l).map(([k, v]) => `${k}="${esc(String(v))}"`).join(',')}}`;

/** Metric names and help, also the README's metrics table. */
export const METRICS = Object.freeze({
  anycast_ga_emulator_flows_total: ['counter', 'New flows routed to an endpoint, by how they got there (via = dial, failover, fail-open)'],
  anycast_ga_emulator_active_flows: ['gauge', 'Flows open now (TCP connections, UDP flows not idle yet)'],
  anycast_ga_emulator_packets_total: ['counter', 'Datagrams (UDP) or reads (TCP: the relay sees a byte stream) relayed, direction in = client to endpoint'],
  anycast_ga_emulator_bytes_total: ['counter', 'Payload bytes relayed, by direction'],
  anycast_ga_emulator_endpoint_healthy: ['gauge', '1 when the endpoint is HEALTHY, else 0 (state label: INITIAL, HEALTHY, UNHEALTHY)'],
  anycast_ga_emulator_dropped_total: ['counter', 'Flows or datagrams not relayed, by reason'],
  anycast_ga_emulator_health_checks_total: ['counter', 'Health checks run, by result'],
  anycast_ga_emulator_api_requests_total: ['counter', 'API calls answered, by operation and outcome (ok or the error name)'],
  anycast_ga_emulator_flow_log_records_total: ['counter', 'Flow log records written'],
} as const);

/** The README's metrics table. */
export function metricsTable(): string {
  return ['| metric | type | what |', '| --- | --- | --- |', ...Object.entries(METRICS).map(([name, [type, help]]) => `| \`${name}\` | ${type} | ${help} |`)].join('\n');
}

export const METRICS_START = '<!-- metrics:start -->';
export const METRICS_END = '<!-- metrics:end -->';

export function renderMetrics(s: EmulatorState): string {
  const lines: string[] = [];
  const family = (name: keyof typeof METRICS, samples: [Record<string, string | number>, number][]) => {
    const [type, help] = METRICS[name];
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [l, v] of samples) lines.push(`${name}${Object.keys(l).length ? labels(l) : ''} ${v}`);
  };
  const flows: [Record<string, string | number>, number][] = [];
  const active: [Record<string, string | number>, number][] = [];
  const packets: [Record<string, string | number>, number][] = [];
  const bytes: [Record<string, string | number>, number][] = [];
  const health: [Record<string, string | number>, number][] = [];
  for (const a of s.accelerators) {
    for (const l of a.listeners) {
      for (const g of l.endpointGroups) {
        for (const e of g.endpoints) {
          const base = { accelerator: a.name, listener: l.id, protocol: l.protocol, region: g.region, endpoint: e.id };
          for (const [via, n] of Object.entries(e.counters.byVia)) flows.push([{ ...base, via }, n]);
          active.push([base, e.counters.active]);
          packets.push([{ ...base, direction: 'in' }, e.counters.packetsIn], [{ ...base, direction: 'out' }, e.counters.packetsOut]);
          bytes.push([{ ...base, direction: 'in' }, e.counters.bytesIn], [{ ...base, direction: 'out' }, e.counters.bytesOut]);
          health.push([{ accelerator: a.name, listener: l.id, region: g.region, endpoint: e.id, state: e.health }, e.health === 'HEALTHY' ? 1 : 0]);
        }
      }
    }
  }
  family('anycast_ga_emulator_flows_total', flows);
  family('anycast_ga_emulator_active_flows', active);
  family('anycast_ga_emulator_packets_total', packets);
  family('anycast_ga_emulator_bytes_total', bytes);
  family('anycast_ga_emulator_endpoint_healthy', health);
  family('anycast_ga_emulator_dropped_total', Object.entries(s.drops).map(([reason, n]) => [{ reason }, n]));
  family('anycast_ga_emulator_health_checks_total', [[{ result: 'pass' }, s.healthChecks.passed], [{ result: 'fail' }, s.healthChecks.failed]]);
  family('anycast_ga_emulator_api_requests_total', Object.entries(s.api).flatMap(([op, outcomes]) => Object.entries(outcomes).map(([outcome, n]): [Record<string, string>, number] => [{ operation: op, outcome }, n])));
  family('anycast_ga_emulator_flow_log_records_total', [[{}, s.flowLogRecords]]);
  return `${lines.join('\n')}\n`;
}
