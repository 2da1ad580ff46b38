/**
 * `anycast-lab experiment`: the seed article, run on this machine against the service of the
 * config, and measured the way the article measured it (and what it could not):
 *
 * 1. The HTTP test: 100 requests from each of Tokyo, Amsterdam, New York and Seattle
 *    (`probe http`, a new flow each): each city lands in its nearest region, balanced over the
 *    region's two instances.
 * 2. The RIPE Atlas run, simulated: one CH TXT id.server query with NSID from each of the 470
 *    probe positions of the seed's dial-100 run, each from its own address, through the UDP 53
 *    entry (`probe sweep`); the per-region table and map (`probe atlas`), and the table's total
 *    variation distance from the real run's.
 * 3. `gactl dial eu-central-1 50`, wait for DEPLOYED, the same sweep again, who moved where
 *    (`probe compare`), the distance from the real dial-50 run; the dial goes back to 100.
 * 4. The failover drill: both eu-central-1 instances killed during a steady loop from
 *    Amsterdam; the failed requests after the health window, the time until the next region
 *    answers, then the instances restarted and the time until eu-central-1 answers again.
 * 5. The drain drill: SIGTERM to one eu-central-1 instance during a steady loop; no request may
 *    fail, the other instance takes over once the health checks fail.
 *
 * The figures go to results.json (the contract), report.md (tables beside the seed's numbers)
 * and two maps; every check that fails is named, and makes the command exit 1.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GlobalAcceleratorClient } from '@aws-sdk/client-global-accelerator';
import { connect, setDial, waitDeployed } from '@anycast-origin/gactl';
import type { Connection } from '@anycast-origin/gactl';
import { nearestRegion } from '@anycast-origin/ga-emulator/routing';
import { atlasTable, compareRuns, measureHttp, predict, readAtlasResults, renderMapPng, sweep, totalVariationDistance } from '@anycast-origin/probe';
import type { AtlasTable, Run } from '@anycast-origin/probe';
import { SEED_CITIES } from './cities.js';
import { ExperimentError, OutputError } from './errors.js';
import { startLab } from './lab.js';
import type { Lab, LabSpec } from './lab.js';
import { drainFigures, failoverFigures, startLoop } from './loop.js';
import type { DrainFigures, FailoverFigures } from './loop.js';
import type { VantageSpec } from './plan.js';
import { renderReport } from './report.js';
import { DRILL_CITY, EU, TARGETS } from './seed.js';
import { atlasVantagePoints } from './vantage.js';

/** results.json: the contract scripts rely on. */
export interface ExperimentResults {
  http: Record<string, { regions: Record<string, number>; identities: Record<string, number> }>;
  atlas: {
    dial100: { probes: number; regions: Record<string, number>; tvd: number };
    euDial50: { probes: number; regions: Record<string, number>; tvd: number; moved: { from: string; to: string; count: number }[] };
  };
  failover: { failedAfterWindow: number; secondsToFailover: number | null; secondsToRecover: number | null };
  drain: { requests: number; failed: number };
}

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** Everything report.md shows. */
export interface ExperimentDetails {
  results: ExperimentResults;
  quick: boolean;
  configFile: string;
  acceleratorName: string;
  regions: string[];
  instances: number;
  timings: { healthIntervalSeconds: number; thresholdCount: number; deploySeconds: number; drainSeconds: number; windowSeconds: number; startupSeconds: number };
  http: { city: string; expected: string | undefined; requests: number; errors: number; regions: Record<string, number>; identities: Record<string, number> }[];
  atlas100: { lab: AtlasTable; seed: AtlasTable; tvd: number };
  atlas50: {
    lab: AtlasTable; seed: AtlasTable; tvd: number; sweeps: number; eachTvd: number[]; predictedTvd: number;
    moved: { from: string; to: string; count: number }[]; seedMoved: { from: string; to: string; count: number }[]; dialSeconds: number;
  };
  failover: FailoverFigures & { killed: string[]; windowSeconds: number };
  drain: DrainFigures & { instance: string; all: number; allFailed: number };
  checks: Check[];
  durationSeconds: number;
}

/** Settings of one run (the command's, with the --quick defaults applied). */
export interface ExperimentPlan {
  readonly spec: LabSpec;
  readonly out: string;
  readonly quick: boolean;
  readonly requests: number;
  /** Sweeps at EU dial 50, averaged (each flow draws its dial: one sweep is a sample). */
  readonly dial50Sweeps: number;
  readonly seedDial100: string;
  readonly seedEuDial50: string;
}

export interface ExperimentHooks {
  /** Progress, one line per step. */
  log?: (message: string, fields?: Record<string, unknown>) => void;
  /** Aborting stops the lab at once and the experiment fails. */
  signal?: AbortSignal;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const counts = (rows: readonly { key: string | null; count: number }[]): Record<string, number> => Object.fromEntries(rows.filter((r) => r.key !== null).map((r) => [r.key as string, r.count]));
const regionCounts = (t: AtlasTable): Record<string, number> => Object.fromEntries(Object.entries(t.regions).map(([r, v]) => [r, v.count]));

/**
 * The mean of several runs' tables: counts averaged (`exact`, for the distance) and rounded
 * (`table`, for people), shares of the probes of one run.
 */
export function meanTable(tables: readonly AtlasTable[]): { exact: { regions: Record<string, { count: number }> }; table: AtlasTable } {
  const n = tables.length;
  const sums = new Map<string, number>();
  for (const tb of tables) for (const [r, v] of Object.entries(tb.regions)) sums.set(r, (sums.get(r) ?? 0) + v.count);
  const probes = Math.round(tables.reduce((a, tb) => a + tb.probes, 0) / n);
  const exact = Object.fromEntries([...sums].map(([r, c]) => [r, { count: c / n }]));
  const regions = Object.fromEntries([...sums].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([r, c]) => [r, { count: Math.round(c / n), share: Math.round((c / n / probes) * 1e4) / 1e4 }]));
  return { exact: { regions: exact }, table: { probes, regions, unknown: Math.round(tables.reduce((a, tb) => a + tb.unknown, 0) / n) } };
}

/** The mean of several runs' moves (rounded; moves that round to 0 dropped), most first. */
export function meanMoved(runs: readonly (readonly { from: string; to: string; count: number }[])[]): { from: string; to: string; count: number }[] {
  const sums = new Map<string, number>();
  for (const moved of runs) for (const m of moved) sums.set(`${m.from}\0${m.to}`, (sums.get(`${m.from}\0${m.to}`) ?? 0) + m.count);
  return [...sums]
    .map(([k, c]) => {
      const [from, to] = k.split('\0') as [string, string];
      return { from, to, count: Math.round(c / runs.length) };
    })
    .filter((m) => m.count > 0)
    .sort((a, b) => b.count - a.count || a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
}

/** The vantage points: the seed's four cities, then one per probe position of the seed's dial-100 run. */
export function experimentVantagePoints(seed100: Run, file: string): VantageSpec[] {
  return [...SEED_CITIES.map((c) => ({ name: c.name, latitude: c.latitude, longitude: c.longitude })), ...atlasVantagePoints(seed100, file)];
}

/** A gactl connection to the lab's API (dummy credentials: the emulator does not check them). */
export async function labConnection(lab: Pick<Lab, 'apiUrl' | 'acceleratorArn'>, deploySeconds: number): Promise<Connection> {
  const client = new GlobalAcceleratorClient({ endpoint: lab.apiUrl, region: 'us-west-2', maxAttempts: 1, credentials: { accessKeyId: 'lab', secretAccessKey: 'lab' } });
  return connect({ accelerator: lab.acceleratorArn, pollSeconds: Math.max(0.05, Math.min(1, deploySeconds / 5)), timeout: 300 }, { client });
}

/** Run the experiment; writes report.md, the maps and results.json to `plan.out`. */
export async function runExperiment(plan: ExperimentPlan, hooks: ExperimentHooks = {}): Promise<ExperimentDetails> {
  const log = hooks.log ?? (() => {});
  const t0 = performance.now();
  try {
    mkdirSync(plan.out, { recursive: true });
  } catch (e) {
    throw new OutputError(plan.out, `cannot create the directory: ${(e as Error).message}`, { cause: e });
  }
  const seed100 = await readAtlasResults(plan.seedDial100);
  const seed50 = await readAtlasResults(plan.seedEuDial50);
  const { config } = plan.spec;
  if (!config.regions.some((r) => r.region === EU)) throw new ExperimentError('setup', `the seed's experiment dials and kills ${EU}, which ${plan.spec.configFile} does not have`);
  const http = config.listeners.find((l) => l.serves === 'http' && l.protocol === 'TCP');
  const dns = config.listeners.find((l) => l.serves === 'dns' && l.protocol === 'UDP') ?? config.listeners.find((l) => l.serves === 'dns');
  if (!http || !dns) throw new ExperimentError('setup', `the seed's experiment needs an HTTP listener and a DNS listener; ${plan.spec.configFile} has ${config.listeners.map((l) => `${l.protocol} ${l.port} (${l.serves})`).join(', ')}`);

  log('starting the lab', { instances: config.regions.reduce((n, r) => n + r.instanceCount, 0) });
  const lab = await startLab({ ...plan.spec, vantagePoints: experimentVantagePoints(seed100, plan.seedDial100) });
  const onAbort = () => void lab.stop({ drain: false });
  hooks.signal?.addEventListener('abort', onAbort);
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    if (hooks.signal?.aborted) throw new ExperimentError(name, 'interrupted');
    try {
      return await fn();
    } catch (e) {
      if (hooks.signal?.aborted) throw new ExperimentError(name, 'interrupted', { cause: e });
      throw e instanceof ExperimentError ? e : new ExperimentError(name, (e as Error).message, { cause: e });
    }
  };
  try {
    const threshold = Math.max(...config.listeners.map((l) => l.healthCheck.thresholdCount));
    const interval = plan.spec.healthIntervalSeconds;
    const windowSeconds = lab.drainSeconds;
    log(`lab up in ${lab.startupSeconds.toFixed(1)} s`, { startup: lab.startup });
    const httpUrl = `http://${lab.entry('TCP', http.port)}/`;
    const dnsEntry = lab.entry(dns.protocol, dns.port);
    const regions = config.regions.map((r) => r.region);

    // 1. the seed's HTTP test
    const httpRows = await step('http test', async () => {
      const rows: ExperimentDetails['http'] = [];
      for (const c of SEED_CITIES) {
        const v = lab.vantage(c.name);
        const r = await measureHttp({ url: httpUrl, count: plan.requests, concurrency: 2, sourceAddress: v.address, timeoutMs: 5000 });
        rows.push({
          city: c.name, expected: nearestRegion({ lat: c.latitude, lon: c.longitude }, regions), requests: r.total, errors: r.errors,
          regions: counts(r.regions.map((x) => ({ key: x.region, count: x.count }))), identities: counts(r.answers.map((x) => ({ key: x.identity, count: x.count }))),
        });
        log(`http test from ${c.name}: ${r.ok}/${r.total} answered`, { regions: rows[rows.length - 1]?.regions });
      }
      return rows;
    });

    // 2. the RIPE Atlas run at dial 100
    const atlasPoints = lab.vantagePoints.filter((v) => v.name.startsWith('atlas-'));
    const sweepOnce = async (name: string, file: string): Promise<Run> => {
      const r = await sweep({ protocol: 'dns', target: dnsEntry, vantagePoints: atlasPoints.map((v) => ({ id: v.id, address: v.address, latitude: v.latitude, longitude: v.longitude, name: v.name })), concurrency: 16, timeoutMs: 3000 });
      writeOut(join(plan.out, file), `${JSON.stringify(r.results)}\n`);
      log(`${name}: ${r.answered}/${atlasPoints.length} vantage points answered`);
      return r.run;
    };
    const run100 = await step('atlas dial 100', () => sweepOnce('atlas sweep at dial 100', 'atlas-dial-100.json'));
    const table100 = atlasTable(run100);
    const seedTable100 = atlasTable(seed100);
    const tvd100 = totalVariationDistance(table100, seedTable100);
    writeOut(join(plan.out, 'map-dial-100.png'), renderMapPng(run100, { width: plan.quick ? 1000 : 1600, title: `anycast-lab: ${run100.probes.length} RIPE Atlas probe positions, every dial at 100` }));

    // 3. EU dial 50
    const conn = await step('dial', () => labConnection(lab, plan.spec.deploySeconds));
    let dialSeconds = 0;
    const runs50: Run[] = [];
    try {
      const d0 = performance.now();
      await step(`gactl dial ${EU} 50`, async () => {
        await setDial(conn, { region: EU, percent: 50 });
        await waitDeployed(conn);
        await lab.emulator.deployed(lab.acceleratorArn);
      });
      dialSeconds = (performance.now() - d0) / 1000;
      log(`gactl dial ${EU} 50: DEPLOYED after ${dialSeconds.toFixed(1)} s`);
      for (let i = 0; i < plan.dial50Sweeps; i++) {
        const name = `atlas sweep with ${EU} at dial 50 (${i + 1} of ${plan.dial50Sweeps})`;
        runs50.push(await step('atlas eu dial 50', () => sweepOnce(name, i === 0 ? 'atlas-eu-dial-50.json' : `atlas-eu-dial-50-${i + 1}.json`)));
      }
      await step(`gactl dial ${EU} 100`, async () => {
        await setDial(conn, { region: EU, percent: 100 });
        await waitDeployed(conn);
        await lab.emulator.deployed(lab.acceleratorArn);
      });
    } finally {
      conn.close();
    }
    const run50 = runs50[0] as Run;
    const seedTable50 = atlasTable(seed50);
    // each sweep's flows draw their dial anew: the mean of the sweeps is the catchment, each sweep a sample of it
    const tables50 = runs50.map((r) => atlasTable(r));
    const mean50 = meanTable(tables50);
    const tvd50 = totalVariationDistance(mean50.exact, seedTable50);
    const eachTvd50 = tables50.map((tb) => totalVariationDistance(tb, seedTable50));
    const table50 = mean50.table;
    const moved = meanMoved(runs50.map((r) => compareRuns(run100, r).moved));
    const seedMoved = compareRuns(seed100, seed50).moved;
    // what the routing model expects from the lab's own dial-100 catchment (probe predict)
    const predicted = totalVariationDistance(predict(run100, { dials: { [EU]: 50 }, regions, firstChoice: 'measured' }), seedTable50);
    writeOut(join(plan.out, 'map-eu-dial-50.png'), renderMapPng(run50, { width: plan.quick ? 1000 : 1600, title: `anycast-lab: ${run50.probes.length} RIPE Atlas probe positions, ${EU} at dial 50` }));

    // 4. failover drill
    const eu = lab.instances.filter((i) => i.region === EU);
    const amsterdam = lab.vantage(DRILL_CITY);
    const hold = (plan.quick ? 1 : 2) * Math.max(1, interval) * 1000;
    const loopTimeout = (windowSeconds * 3 + 15) * 1000;
    const failover = await step('failover drill', async () => {
      const loop = startLoop({ url: httpUrl, sourceAddress: amsterdam.address, paceMs: 50, timeoutMs: 2000 });
      try {
        await loop.until(`an answer from ${EU}`, (s) => s.ok && s.region === EU, loopTimeout);
        await sleep(hold / 2);
        const killAt = loop.now();
        await Promise.all(eu.map((i) => lab.kill(i.instanceId)));
        log(`killed ${eu.map((i) => i.instanceId).join(', ')} (${EU})`);
        await loop.until('an answer from another region', (s) => s.at >= killAt && s.ok && s.region !== EU, loopTimeout);
        await sleep(hold);
        const restartAt = loop.now();
        await Promise.all(eu.map((i) => lab.restart(i.instanceId)));
        log(`restarted ${eu.map((i) => i.instanceId).join(', ')}: serving again after ${((loop.now() - restartAt) / 1000).toFixed(1)} s`);
        await loop.until(`${EU} again`, (s) => s.at >= restartAt && s.ok && s.region === EU, loopTimeout);
        await sleep(hold / 2);
        const samples = await loop.stop();
        return { ...failoverFigures(samples, { region: EU, killAt, windowMs: windowSeconds * 1000, restartAt }), killed: eu.map((i) => i.instanceId), windowSeconds };
      } finally {
        await loop.stop();
      }
    });
    log(`failover drill: ${failover.failedAfterWindow} failed after the health window, to ${failover.nextRegion} in ${failover.secondsToFailover} s, back in ${failover.secondsToRecover} s`);

    // 5. drain drill
    const target = lab.instances.find((i) => i.region === EU) as (typeof eu)[number];
    const drain = await step('drain drill', async () => {
      const loop = startLoop({ url: httpUrl, sourceAddress: amsterdam.address, paceMs: 50, timeoutMs: 2000 });
      try {
        await loop.until(`an answer from ${target.identity}`, (s) => s.ok && s.identity === target.identity, loopTimeout);
        await sleep(hold / 2);
        const termAt = loop.now();
        const exit = await lab.terminate(target.instanceId);
        if (exit.code !== 0) throw new Error(`${target.instanceId} exited with ${exit.signal ?? `code ${exit.code}`} after SIGTERM, not 0`);
        log(`${target.instanceId} drained and exited after ${((loop.now() - termAt) / 1000).toFixed(1)} s`);
        await sleep(Math.max(500, interval * 1000));
        const samples = await loop.stop();
        return { ...drainFigures(samples, { identity: target.identity, region: EU, termAt }), instance: target.instanceId, all: samples.length, allFailed: samples.filter((s) => !s.ok).length };
      } finally {
        await loop.stop();
      }
    });
    log(`drain drill: ${drain.allFailed} of ${drain.all} requests failed`);

    const results: ExperimentResults = {
      http: Object.fromEntries(httpRows.map((r) => [r.city, { regions: r.regions, identities: r.identities }])),
      atlas: {
        dial100: { probes: table100.probes, regions: regionCounts(table100), tvd: tvd100 },
        euDial50: { probes: table50.probes, regions: regionCounts(table50), tvd: tvd50, moved },
      },
      failover: { failedAfterWindow: failover.failedAfterWindow, secondsToFailover: failover.secondsToFailover, secondsToRecover: failover.secondsToRecover },
      drain: { requests: drain.all, failed: drain.allFailed },
    };
    const details: ExperimentDetails = {
      results, quick: plan.quick, configFile: plan.spec.configFile, acceleratorName: config.acceleratorName, regions, instances: lab.instances.length,
      timings: { healthIntervalSeconds: interval, thresholdCount: threshold, deploySeconds: plan.spec.deploySeconds, drainSeconds: lab.drainSeconds, windowSeconds, startupSeconds: lab.startupSeconds },
      http: httpRows,
      atlas100: { lab: table100, seed: seedTable100, tvd: tvd100 },
      atlas50: { lab: table50, seed: seedTable50, tvd: tvd50, sweeps: runs50.length, eachTvd: eachTvd50, predictedTvd: predicted, moved, seedMoved, dialSeconds },
      failover, drain, checks: [], durationSeconds: 0,
    };
    details.checks = checksOf(details, lab);
    details.durationSeconds = (performance.now() - t0) / 1000;
    writeOut(join(plan.out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    writeOut(join(plan.out, 'report.md'), renderReport(details));
    return details;
  } finally {
    hooks.signal?.removeEventListener('abort', onAbort);
    await lab.stop({ drain: false });
  }
}

/** What the experiment must show (the issue's figures). */
export function checksOf(d: ExperimentDetails, lab: Pick<Lab, 'instances'>): Check[] {
  const checks: Check[] = [];
  for (const row of d.http) {
    const inRegion = row.expected ? (row.regions[row.expected] ?? 0) : 0;
    const answered = Object.values(row.regions).reduce((n, c) => n + c, 0);
    checks.push({ name: `http ${row.city}: every request answered from ${row.expected}`, ok: row.errors === 0 && inRegion === row.requests, detail: `${inRegion} of ${row.requests} from ${row.expected}, ${row.errors} failed` });
    const own = lab.instances.filter((i) => i.region === row.expected).map((i) => i.identity);
    const shares = own.map((id) => (answered ? (row.identities[id] ?? 0) / answered : 0));
    const [lo, hi] = TARGETS.balance;
    const even = own.length === 2 ? shares.every((s) => s >= lo && s <= hi) : shares.every((s) => s > 0);
    checks.push({ name: `http ${row.city}: balanced over the region's ${own.length} instances`, ok: even, detail: shares.map((s) => `${Math.round(s * 100)}%`).join(' / ') });
  }
  checks.push({ name: `atlas dial 100: within ${TARGETS.tvdDial100} of the seed's run`, ok: d.atlas100.tvd <= TARGETS.tvdDial100, detail: `total variation distance ${d.atlas100.tvd}` });
  checks.push({ name: `atlas ${EU} dial 50: within ${TARGETS.tvdEuDial50} of the seed's run`, ok: d.atlas50.tvd <= TARGETS.tvdEuDial50, detail: `total variation distance ${d.atlas50.tvd}` });
  const f = d.results.failover;
  checks.push({ name: 'failover: no request failed after the health window', ok: f.failedAfterWindow === 0, detail: `${f.failedAfterWindow} failed after ${d.timings.windowSeconds} s (${d.failover.failedInWindow} inside it)` });
  checks.push({ name: 'failover: another region took over, and the region came back', ok: f.secondsToFailover !== null && f.secondsToRecover !== null, detail: `to ${d.failover.nextRegion} in ${f.secondsToFailover} s, back in ${f.secondsToRecover} s` });
  checks.push({ name: 'drain: no request failed', ok: d.results.drain.failed === 0, detail: `${d.results.drain.failed} of ${d.results.drain.requests} failed` });
  checks.push({ name: 'drain: the other instance took over', ok: d.drain.takenOver > 0, detail: `${d.drain.takenOver} answers from the other ${EU} instance after the SIGTERM` });
  return checks;
}

function writeOut(file: string, data: string | Buffer): void {
  try {
    writeFileSync(file, data);
  } catch (e) {
    throw new OutputError(file, `cannot write: ${(e as Error).message}`, { cause: e });
  }
}
