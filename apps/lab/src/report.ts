/**
 * report.md: the experiment's figures as the article would have printed them, beside the
 * seed's own numbers (its RIPE Atlas runs, its HTTP test as described), with the checks the
 * figures must pass and how to reproduce the run.
 */
import type { AtlasTable } from '@anycast-origin/probe';
import type { ExperimentDetails } from './experiment.js';
import { DRILL_CITY, EU, TARGETS } from './seed.js';

const pct = (n: number, of: number) => (of ? `${((100 * n) / of).toFixed(1)}%` : '-');
/** A Markdown table; columns of numbers are right-aligned. */
export function table(head: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const numeric = head.map((_, i) => rows.every((r) => typeof r[i] === 'number' || r[i] === '' || /^[\d.]+( s|%)?$/.test(String(r[i]))));
  return [`| ${head.join(' | ')} |`, `| ${numeric.map((n) => (n ? '---:' : '---')).join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** Per-region rows of two runs side by side (regions of either, the lab's order first). */
function sideBySide(lab: AtlasTable, seed: AtlasTable): string {
  const regions = [...new Set([...Object.keys(lab.regions), ...Object.keys(seed.regions)])];
  const rows = regions.map((r) => {
    const a = lab.regions[r]?.count ?? 0;
    const b = seed.regions[r]?.count ?? 0;
    return [r, a, pct(a, lab.probes), b, pct(b, seed.probes)];
  });
  rows.push(['no answer', lab.unknown, pct(lab.unknown, lab.probes), seed.unknown, pct(seed.unknown, seed.probes)]);
  rows.push(['**probes**', lab.probes, '', seed.probes, '']);
  return table(['region', 'lab', 'lab share', 'seed (RIPE Atlas)', 'seed share'], rows);
}

function movedTable(lab: readonly { from: string; to: string; count: number }[], seed: readonly { from: string; to: string; count: number }[]): string {
  const keys = [...new Set([...lab, ...seed].map((m) => `${m.from} -> ${m.to}`))];
  const count = (list: readonly { from: string; to: string; count: number }[], k: string) => list.find((m) => `${m.from} -> ${m.to}` === k)?.count ?? 0;
  return table(['moved', 'lab', 'seed'], keys.map((k) => [k, count(lab, k), count(seed, k)]));
}

export function renderReport(d: ExperimentDetails): string {
  const t = d.timings;
  const out: string[] = [];
  const failed = d.checks.filter((c) => !c.ok);
  out.push('# anycast-lab experiment: the seed article on one machine');
  out.push('');
  out.push(`The service of \`${d.configFile}\` (accelerator \`${d.acceleratorName}\`, ${d.instances} instances in ${d.regions.join(', ')}), each instance a real \`anycast-origin\` process behind the Global Accelerator emulator, measured as the article measured it. ${failed.length === 0 ? `All ${d.checks.length} checks passed.` : `**${failed.length} of ${d.checks.length} checks failed** (see Checks).`}`);
  out.push('');
  out.push(table(['setting', 'lab', 'AWS'], [
    ['health-check interval', `${t.healthIntervalSeconds} s`, '10 or 30 s'],
    ['health-check threshold', t.thresholdCount, '1..10 (the config\'s)'],
    ['a change deploys in', `${t.deploySeconds} s`, 'about a minute'],
    ['an origin drains for', `${t.drainSeconds} s`, 'interval x threshold + interval'],
    ['startup: every endpoint HEALTHY after', `${t.startupSeconds.toFixed(1)} s`, 'minutes (terraform apply)'],
    ['run', `${d.quick ? '--quick, ' : ''}${d.durationSeconds.toFixed(0)} s`, ''],
  ]));
  out.push('');

  out.push('## 1. The HTTP test');
  out.push('');
  out.push('The seed: `for i in {1..100}; do curl -s http://<anycast ip>/; done | sort | uniq -c` from Tokyo, Amsterdam, New York and Seattle: "the hundred requests from each of the servers indeed go to the region we\'d expect it to go and are nicely balanced over the two origin servers in each region". Here: `probe http` from each city\'s vantage address, a new connection (flow) per request.');
  out.push('');
  out.push(table(['city', 'expected region', 'requests', 'failed', 'answered by'], d.http.map((r) => [
    r.city, r.expected ?? '-', r.requests, r.errors,
    Object.entries(r.identities).sort((a, b) => b[1] - a[1]).map(([id, n]) => `${n} \`${id}\``).join(', '),
  ])));
  out.push('');

  out.push('## 2. The RIPE Atlas run, every dial at 100');
  out.push('');
  out.push(`The seed asked ~500 RIPE Atlas probes \`dig @<anycast ip> id.server txt ch\`. Here one query (CH TXT id.server, NSID) from each of the ${d.atlas100.lab.probes} probe positions of the seed's run, each from its own address, through the UDP entry (\`probe sweep\`); only positions were taken from the seed's run.`);
  out.push('');
  out.push(sideBySide(d.atlas100.lab, d.atlas100.seed));
  out.push('');
  out.push(`Total variation distance from the seed's run: **${d.atlas100.tvd}** (target <= ${TARGETS.tvdDial100}). The lab routes by great-circle distance; the seed's Australian and New Zealand probes went to us-west-2 over AWS's network, which the lab's geography sends to ap-southeast-1.`);
  out.push('');
  out.push('![catchment at dial 100](map-dial-100.png)');
  out.push('');

  out.push(`## 3. ${EU} at dial 50`);
  out.push('');
  const a = d.atlas50;
  out.push(`\`gactl dial ${EU} 50\` on every listener, DEPLOYED after ${a.dialSeconds.toFixed(1)} s, then the same sweep${a.sweeps > 1 ? `, ${a.sweeps} times: every query is a new flow that draws its dial, so one sweep is a sample of the catchment (distances of each: ${a.eachTvd.join(', ')}); the lab's column is their mean, the map is the first` : ''}.`);
  out.push('');
  out.push(sideBySide(d.atlas50.lab, d.atlas50.seed));
  out.push('');
  out.push(`Total variation distance from the seed's run: **${d.atlas50.tvd}** (target <= ${TARGETS.tvdEuDial50}). \`probe predict\` (the routing model, from the lab's dial-100 run) expects ${a.predictedTvd}; one sweep's dial draws spread it by about 0.02 (with the seed's positions and regions, 1.5% of single sweeps land above 0.15). Who moved (\`probe compare\`${a.sweeps > 1 ? ', the mean of the sweeps' : ''}):`);
  out.push('');
  out.push(movedTable(d.atlas50.moved, d.atlas50.seedMoved));
  out.push('');
  out.push('![catchment with eu-central-1 at dial 50](map-eu-dial-50.png)');
  out.push('');

  const f = d.failover;
  out.push('## 4. Failover drill');
  out.push('');
  out.push(`A steady loop from ${DRILL_CITY} (one request every 50 ms, each a new flow); both ${EU} instances killed (SIGKILL: ${f.killed.map((i) => `\`${i}\``).join(', ')}), restarted once another region answered steadily. The health window is interval x threshold + interval = ${f.windowSeconds} s.`);
  out.push('');
  out.push(table(['figure', 'lab', 'expected'], [
    ['requests after the kill', f.requests, ''],
    ['failed inside the health window', f.failedInWindow, 'some: the accelerator still sees the endpoints HEALTHY'],
    ['failed after the health window', f.failedAfterWindow, '0'],
    ['kill -> answered by the next region', `${f.secondsToFailover ?? 'never'} s (${f.nextRegion ?? '-'})`, `about interval x threshold = ${t.healthIntervalSeconds * t.thresholdCount} s`],
    ['restart -> answered by the region again', `${f.secondsToRecover ?? 'never'} s`, `the origins' start-up + about interval x threshold = ${t.healthIntervalSeconds * t.thresholdCount} s`],
  ]));
  out.push('');

  const dr = d.drain;
  out.push('## 5. Drain drill');
  out.push('');
  out.push(`The same loop; SIGTERM to \`${dr.instance}\`: its /healthz turns 503 at once, it keeps serving for ${t.drainSeconds} s while the health checks fail, then exits.`);
  out.push('');
  out.push(table(['figure', 'lab', 'expected'], [
    ['requests in the drill', dr.all, ''],
    ['failed', dr.allFailed, '0'],
    ['SIGTERM -> last answer from the drained instance', `${dr.secondsToLastAnswer ?? '-'} s`, `<= interval x threshold = ${t.healthIntervalSeconds * t.thresholdCount} s (+ one check)`],
    ['answers from the other instance after the SIGTERM', dr.takenOver, '> 0'],
  ]));
  out.push('');

  out.push('## Checks');
  out.push('');
  for (const c of d.checks) out.push(`- [${c.ok ? 'x' : ' '}] ${c.name}: ${c.detail}`);
  out.push('');
  out.push(`Reproduce: \`anycast-lab experiment${d.quick ? ' --quick' : ''} --out <dir>\` (figures vary a little from run to run and with the machine's load). \`probe atlas atlas-dial-100.json\`, \`probe compare atlas-dial-100.json atlas-eu-dial-50.json\` read the sweeps in this directory.`);
  out.push('');
  return out.join('\n');
}
