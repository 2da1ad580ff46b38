/**
 * What this origin runs on, for the start-up log: the Node.js release and whether it is past
 * its end of life, and the uWebSockets.js build and backend. An origin faces the internet, so
 * a runtime without security fixes is worth a line at start; the library only reports it
 * (the CLI logs it). The dates are the Node.js release schedule's (github.com/nodejs/Release):
 * even majors are LTS for 30 months after they turn LTS, odd ones live 8 months.
 */
import { uwsChoice } from './backend.js';
import type { UwsBackend } from './backend.js';

/** End-of-life date of each Node.js major (YYYY-MM-DD). */
export const NODE_END_OF_LIFE: Readonly<Record<number, string>> = Object.freeze({
  18: '2025-04-30',
  19: '2023-06-01',
  20: '2026-04-30',
  21: '2024-06-01',
  22: '2027-04-30',
  23: '2025-06-01',
  24: '2028-04-30',
  25: '2026-06-01',
  26: '2029-04-30',
});

export interface RuntimeInfo {
  /** `process.versions.node`, e.g. `24.21.0`. */
  node: string;
  /** End of life of this Node.js major, or null when the table does not know it (a newer major). */
  nodeEndOfLife: string | null;
  /** True from the end-of-life date on: no more security fixes for this runtime. */
  endOfLife: boolean;
  /** The uWebSockets.js release in use (`20.57.0`, `20.30.0`). */
  uws: string;
  /** The npm package it comes from. */
  uwsPackage: string;
  uwsBackend: UwsBackend;
}

/** The runtime of this process; `now` decides whether the end of life has passed. */
export function runtimeInfo(now: Date = new Date(), node: string = process.versions.node): RuntimeInfo {
  const major = Number(node.split('.')[0]);
  const eol = NODE_END_OF_LIFE[major] ?? null;
  const { build, backend } = uwsChoice();
  return {
    node,
    nodeEndOfLife: eol,
    endOfLife: eol !== null && now.getTime() >= Date.parse(`${eol}T00:00:00Z`),
    uws: build.version,
    uwsPackage: build.package,
    uwsBackend: backend,
  };
}
