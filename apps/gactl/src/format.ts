/**
 * What the command prints on stdout. `--output json`: the result objects as they are (the
 * contracts in the README), two-space indented. `--output table`: plain aligned columns that
 * fit a terminal and grep well (every row repeats its listener and Region), health in capitals
 * with the reason of a failed check, then one line of outcome. Warnings go to stderr (main.ts).
 */
import Table from 'cli-table3';
import type { Change } from './plan.js';
import type { Status } from './status.js';
import type { ChangeResult } from './steer.js';
import type { WaitResult } from './wait.js';

/** Borderless, two spaces between columns. */
function table(head: string[], rows: (string | number)[][], widths?: (number | null)[]): string {
  const t = new Table({
    head,
    chars: {
      top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
      left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ',
    },
    style: { 'padding-left': 0, 'padding-right': 0, head: [], border: [], compact: true },
    ...(widths ? { colWidths: widths } : {}),
  });
  t.push(...rows.map((r) => r.map(String)));
  return t.toString().split('\n').map((l) => l.trimEnd()).join('\n');
}

const num = (v: number | null) => (v === null ? '?' : String(v));

/** `HEALTHY`, `UNHEALTHY connect ECONNREFUSED`, `INITIAL`. */
function health(state: string | null, reason: string | null): string {
  if (state === null) return '?';
  if (state === 'HEALTHY' || !reason) return state;
  return `${state} ${reason.replace(/^Health checks failed:\s*/i, '').replace(/^Initial health checking$/i, '')}`.trim();
}

/** The status as a table: a header line for the accelerator, then a row per endpoint. */
export function statusTable(s: Status, columns = 100): string {
  const a = s.accelerator;
  const head = [
    `accelerator ${a.name ?? '?'}  ${a.status ?? '?'}  ${a.enabled === false ? 'DISABLED' : a.enabled === true ? 'enabled' : '?'}`,
    `${a.ipAddresses.join(' ')}  ${a.dnsName ?? ''}`.trim(),
    a.arn,
  ].filter((l) => l !== '');
  const rows: (string | number)[][] = [];
  for (const l of s.listeners) {
    const label = `${l.protocol ?? '?'}:${l.ports.map((p) => (p.fromPort === p.toPort ? `${p.fromPort}` : `${p.fromPort}-${p.toPort}`)).join(',')}`;
    if (l.endpointGroups.length === 0) rows.push([label, '-', '-', '-', '-', 'no endpoint group']);
    for (const g of l.endpointGroups) {
      if (g.endpoints.length === 0) rows.push([label, g.region ?? '?', num(g.trafficDial), '-', '-', 'no endpoint']);
      for (const e of g.endpoints) rows.push([label, g.region ?? '?', num(g.trafficDial), e.id, num(e.weight), health(e.healthState, e.healthReason)]);
    }
  }
  if (s.listeners.length === 0) return `${head.join('\n')}\n\nno listener\n`;
  // The health column takes what the terminal has left; longer reasons are cut with an ellipsis.
  const width = (i: number) => Math.max(['LISTENER', 'REGION', 'DIAL', 'ENDPOINT', 'WEIGHT'][i]?.length ?? 0, ...rows.map((r) => String(r[i]).length));
  const fixed = [0, 1, 2, 3, 4].reduce((n, i) => n + width(i) + 2, 0);
  const healthWidth = Math.max(12, columns - fixed);
  const cut = rows.map((r) => r.map((c, i) => (i === 5 && String(c).length > healthWidth ? `${String(c).slice(0, healthWidth - 1)}…` : c)));
  return `${head.join('\n')}\n\n${table(['LISTENER', 'REGION', 'DIAL', 'ENDPOINT', 'WEIGHT', 'HEALTH'], cut)}\n`;
}

/** The changes as a table (also apply's diff). */
export function changesTable(changes: readonly Change[]): string {
  if (changes.length === 0) return 'nothing to change: every value already holds\n';
  const rows = changes.map((c) => [c.listener, c.region ?? '?', c.field === 'trafficDial' ? 'traffic dial' : `weight ${c.endpointId}`, num(c.before), num(c.after)]);
  return `${table(['LISTENER', 'REGION', 'WHAT', 'BEFORE', 'AFTER'], rows)}\n`;
}

/** One line: how a write ended. */
export function outcomeLine(r: Pick<ChangeResult, 'changes' | 'status'> & { dryRun?: boolean }): string {
  const n = r.changes.length;
  const what = n === 0 ? '' : `${n} change${n === 1 ? '' : 's'}, `;
  if (r.dryRun) return 'dry run: nothing written\n';
  if (r.status === 'DEPLOYED') return `${what}DEPLOYED and verified\n`;
  return `${what}verified, not waiting for DEPLOYED (now ${r.status ?? '?'})\n`;
}

/** A write's outcome: the changes, the drain record if any, then one line. */
export function resultTable(r: ChangeResult & { record?: { key: string; value: string; removed: boolean } }): string {
  const record = r.record ? `drain record: tag ${r.record.key} = ${r.record.value}${r.record.removed ? ' (restored and removed)' : ''}\n` : '';
  return `${changesTable(r.changes)}${record}${outcomeLine(r)}`;
}

export function waitTable(r: WaitResult): string {
  return `DEPLOYED${r.polls > 1 ? ` after ${(r.waitedMs / 1000).toFixed(1)} s` : ''}\n`;
}

export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
