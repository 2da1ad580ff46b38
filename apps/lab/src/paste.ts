/**
 * What `anycast-lab up` prints for a person: the anycast entries, the instances, the vantage
 * points, and the commands to paste (the seed's curl loop from Tokyo, its dig, the API for the
 * SDK, the AWS CLI and gactl), with the lab's timings next to AWS's.
 */
import type { Lab } from './lab.js';

/** Column-aligned rows (the first row is the header). */
export function columns(rows: readonly (readonly string[])[], indent = '  '): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => `${indent}${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')}`.trimEnd()).join('\n');
}

const hostOf = (entry: string) => entry.slice(0, entry.lastIndexOf(':'));
const portOf = (entry: string) => entry.slice(entry.lastIndexOf(':') + 1);

/** The seed's city for a command, or the first vantage point when the lab has none of that name. */
function source(lab: Lab, name: string): { name: string; address: string } {
  const v = lab.vantagePoints.find((x) => x.name === name) ?? lab.vantagePoints[0];
  return v ? { name: v.name, address: v.address } : { name: 'this host', address: '127.0.0.1' };
}

export interface PasteTiming {
  healthIntervalSeconds: number;
  deploySeconds: number;
}

export function pasteText(lab: Lab, timing: PasteTiming): string {
  const state = lab.state();
  const out: string[] = [];
  const { config } = lab;
  const regions = config.regions.length;
  out.push(`anycast-lab: ${config.acceleratorName} is up in ${lab.startupSeconds.toFixed(1)} s: ${state.endpoints.length} instances in ${regions} regions, ${state.listeners.length} listeners, ${state.vantagePoints.length} vantage points`);
  out.push('');
  out.push(`Anycast entries (the accelerator's static addresses ${state.accelerator.ipAddresses.join(', ')}):`);
  out.push(columns(state.listeners.map((l) => [`${l.protocol} ${l.port}`, l.entries.join('  ')])));
  out.push('');
  out.push('Instances (each an anycast-origin process on its own address):');
  const dial = new Map(config.regions.map((r) => [r.region, r.trafficDial]));
  out.push(columns([
    ['region', 'zone', 'instance', 'address', 'http', 'dns', 'weight', 'dial'],
    ...lab.instances.map((i) => [i.region, i.availabilityZone, i.instanceId, i.address, String(i.httpPort), String(i.dnsPort), String(i.weight), `${dial.get(i.region) ?? 100}%`]),
  ]));
  out.push('');
  const shown = state.vantagePoints.slice(0, 6).map((v) => `${v.name} ${v.address}`).join(', ');
  const more = state.vantagePoints.length > 6 ? `, and ${state.vantagePoints.length - 6} more (--state-file or --output json lists them)` : '';
  out.push(`Vantage points (send from one with curl --interface, dig -b): ${shown}${more}`);
  out.push('');

  const http = config.listeners.find((l) => l.serves === 'http' && l.protocol === 'TCP');
  const dns = config.listeners.find((l) => l.serves === 'dns' && l.protocol === 'UDP') ?? config.listeners.find((l) => l.serves === 'dns');
  const tokyo = source(lab, 'tokyo');
  const amsterdam = source(lab, 'amsterdam');
  out.push('Paste:');
  out.push(`  export AWS_ENDPOINT_URL_GLOBAL_ACCELERATOR=${lab.apiUrl} AWS_REGION=us-west-2 AWS_ACCESS_KEY_ID=lab AWS_SECRET_ACCESS_KEY=lab`);
  if (http) {
    const e = lab.entry('TCP', http.port);
    out.push(`  # the seed's HTTP test from ${tokyo.name}: 100 requests, each a new flow`);
    out.push(`  for i in $(seq 100); do curl -s --interface ${tokyo.address} http://${e}/; done | sort | uniq -c`);
  }
  if (dns) {
    const e = lab.entry(dns.protocol, dns.port);
    out.push(`  # who answers DNS from ${amsterdam.name}`);
    out.push(`  dig -b ${amsterdam.address} @${hostOf(e)} -p ${portOf(e)} id.server txt ch +short${dns.protocol === 'TCP' ? ' +tcp' : ''}`);
  }
  out.push('  gactl status');
  out.push('  gactl dial eu-central-1 50');
  out.push(`  aws globalaccelerator list-accelerators --endpoint-url ${lab.apiUrl} --region us-west-2`);
  out.push('');
  const threshold = Math.max(...config.listeners.map((l) => l.healthCheck.thresholdCount));
  const aws = [...new Set(config.listeners.map((l) => l.healthCheck.intervalSeconds))].join(' or ');
  out.push(`Timings: health checks every ${timing.healthIntervalSeconds} s, threshold ${threshold} (AWS: every ${aws} s; 10 or 30 only); a change deploys in ${timing.deploySeconds} s (AWS: about a minute); an origin drains for ${lab.drainSeconds} s.`);
  out.push('Ctrl-C drains the origins (health checks fail, traffic moves) and stops everything; a second Ctrl-C stops at once.');
  return `${out.join('\n')}\n`;
}
