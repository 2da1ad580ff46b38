/**
 * The autopilot's loop against the emulator (the seed's accelerator: 3 listeners, 4 Regions,
 * real health checks) with a scripted load source: what it reads, what it writes and how,
 * dry runs, --once, stopping between writes, failed writes, options and capacities that do
 * not match the accelerator.
 */
import t from 'tap';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { AUTOPILOT_CHANNEL, autopilot, resolveAutopilotOptions } from '../../src/autopilot/run.js';
import { CHANNELS } from '../../src/api.js';
import { setDial } from '../../src/operations.js';
import type { StepReport } from '../../src/autopilot/run.js';
import type { Expected, LoadReading, LoadSource, RegionLoad } from '../../src/autopilot/sources.js';
import { connectTo, REGIONS, seed } from '../fixtures/seed.js';

const CAPACITY = { 'us-east-1': 2000, 'us-west-2': 1000, 'eu-central-1': 100, 'ap-southeast-1': 500 };

/** A load source that answers each read from a script (the last entry repeats); records what it was asked. */
function scripted(script: readonly Record<string, number | null>[], kind: LoadSource['kind'] = 'prometheus', windowSeconds?: number) {
  const asked: Expected[][] = [];
  let closed = false;
  let last: number | undefined;
  const source: LoadSource = {
    kind,
    async read(expected) {
      const loads = script[Math.min(asked.length, script.length - 1)] as Record<string, number | null>;
      asked.push([...expected]);
      const regions = new Map<string, RegionLoad>();
      for (const [region, rate] of Object.entries(loads)) {
        regions.set(region, { region, rate, http: rate, dns: rate === null ? null : 0, endpoints: [], ...(rate === null ? { why: 'scrape failed' } : {}) });
      }
      // Rates since the last read (a scrape), or over a fixed window (Prometheus, when given).
      const at = Date.now();
      const reading: LoadReading = { at, intervalSeconds: windowSeconds ?? (last === undefined ? null : (at - last) / 1000), regions };
      last = at;
      return reading;
    },
    close() {
      closed = true;
    },
  };
  return { source, asked, closed: () => closed };
}

const idle = { 'us-east-1': 0, 'us-west-2': 0, 'eu-central-1': 0, 'ap-southeast-1': 0 };

t.test('options: defaults, ranges, low below target', async (t) => {
  const o = resolveAutopilotOptions({ capacity: CAPACITY });
  t.match(o, { target: 0.8, low: 0.6, interval: 60, maxStep: 10, minDial: 10, dryRun: false, once: false });
  t.throws(() => resolveAutopilotOptions({ capacity: CAPACITY, low: 0.9 }), { code: 'GACTL_ERR_INVALID_OPTION', option: 'low', message: 'low must be below target (0.8), got 0.9' });
  t.throws(() => resolveAutopilotOptions({ capacity: CAPACITY, maxStep: 0 }), { option: 'maxStep', message: /maxStep must be a number 1\.\.100/ });
  t.throws(() => resolveAutopilotOptions({ capacity: { 'eu-central-1': -1 } }), { code: 'GACTL_ERR_INVALID_OPTION', option: 'capacity' });
  t.throws(() => resolveAutopilotOptions({} as never), { code: 'GACTL_ERR_INVALID_OPTION', option: 'capacity' });
});

t.test('Europe hot: its dial goes down on every listener, written through gactl\'s safe write; each step published', async (t) => {
  const s = await seed(t, { addressPool: '127.85.1.0/24' });
  const conn = await connectTo(t, s);
  const { source, asked } = scripted([{ ...idle, 'eu-central-1': 300 }]);
  const steps: StepReport[] = [];
  const published: unknown[] = [];
  const listen = (m: unknown) => published.push(m);
  subscribe(AUTOPILOT_CHANNEL, listen);
  t.teardown(() => unsubscribe(AUTOPILOT_CHANNEL, listen));
  const r = await autopilot(conn, source, { capacity: CAPACITY, once: true, interval: 0.05 }, { onStep: (x) => steps.push(x) });
  t.same(r, { steps: 1, writes: 1, failures: 0 });
  t.equal(asked.length, 1, 'a Prometheus source gives rates at once: one read');
  t.equal(asked[0]?.length, 8, 'every healthy endpoint with weight > 0 is expected');
  const eu = steps[0]?.regions.find((x) => x.region === 'eu-central-1');
  t.match(eu, { action: 'lower', dialBefore: 100, dialAfter: 90, written: true, load: 300, capacity: 100, utilization: 3, http: 300, dns: 0 });
  t.match(steps[0], { step: 1, accelerator: { arn: s.acceleratorArn, status: 'DEPLOYED' }, hold: null, dryRun: false });
  for (const label of ['TCP:80', 'UDP:53', 'TCP:53']) t.equal((await s.group(label, 'eu-central-1')).dial, 90, label);
  t.same(published, [{ step: steps[0] }]);
});

t.test('--listener: only those groups move; a dry run writes nothing', async (t) => {
  const s = await seed(t, { addressPool: '127.85.2.0/24' });
  const conn = await connectTo(t, s);
  const dry = await autopilot(conn, scripted([{ ...idle, 'eu-central-1': 300 }]).source, { capacity: CAPACITY, once: true, dryRun: true });
  t.same(dry, { steps: 1, writes: 0, failures: 0 });
  t.equal((await s.group('TCP:80', 'eu-central-1')).dial, 100, 'dry run: nothing written');
  const steps: StepReport[] = [];
  await autopilot(conn, scripted([{ ...idle, 'eu-central-1': 300 }]).source, { capacity: CAPACITY, once: true, listener: ['TCP:80'], maxStep: 50 }, { onStep: (x) => steps.push(x) });
  t.equal((await s.group('TCP:80', 'eu-central-1')).dial, 50);
  t.equal((await s.group('UDP:53', 'eu-central-1')).dial, 100, 'other listeners untouched');
  t.equal(steps[0]?.regions.length, 4);
});

t.test('a scrape source is read twice for --once (a rate needs two samples), an interval apart', async (t) => {
  const s = await seed(t, { addressPool: '127.85.3.0/24' });
  const conn = await connectTo(t, s);
  const { source, asked } = scripted([{}, { ...idle, 'eu-central-1': 70 }], 'targets');
  const t0 = Date.now();
  const steps: StepReport[] = [];
  await autopilot(conn, source, { capacity: CAPACITY, once: true, interval: 0.3 }, { onStep: (x) => steps.push(x) });
  t.equal(asked.length, 2);
  t.ok(Date.now() - t0 >= 290, 'the interval between the reads');
  t.match(steps[0]?.regions.find((x) => x.region === 'eu-central-1'), { action: 'hold', why: 'within 0.6..0.8 of capacity' });
});

t.test('no data holds the dial and says why; the loop runs until stopped, then closes nothing it does not own', async (t) => {
  const s = await seed(t, { addressPool: '127.85.4.0/24' });
  const conn = await connectTo(t, s);
  const { source, closed } = scripted([{ ...idle, 'eu-central-1': null }, { ...idle, 'eu-central-1': 300 }, { ...idle, 'eu-central-1': null }]);
  const stop = new AbortController();
  const steps: StepReport[] = [];
  const r = await autopilot(conn, source, { capacity: CAPACITY, interval: 0.05 }, {
    signal: stop.signal,
    onStep: (x) => {
      steps.push(x);
      if (steps.length === 4) stop.abort();
    },
  });
  t.same(r, { steps: 4, writes: 1, failures: 0 });
  const eu = steps.map((x) => x.regions.find((y) => y.region === 'eu-central-1'));
  t.match(eu[0], { action: 'hold', load: null, why: 'no data: scrape failed; dial held', dialAfter: 100 });
  t.match(eu[1], { action: 'lower', dialAfter: 90, written: true });
  t.match(eu[2], { action: 'hold', dialBefore: 90, dialAfter: 90, why: /no data/ });
  t.match(eu[3], { action: 'hold', dialBefore: 90 });
  t.notOk(closed(), 'the caller owns the source');
});

t.test('after a write the rates must cover a window after it: a scrape source is read again at once, Prometheus waits out its window', async (t) => {
  const s = await seed(t, { addressPool: '127.85.9.0/24' });
  const conn = await connectTo(t, s);
  const scrape = scripted([{ ...idle, 'eu-central-1': 300 }], 'targets');
  const steps: StepReport[] = [];
  const stop = new AbortController();
  const onStep = (x: StepReport) => {
    steps.push(x);
    if (steps.length === 3) stop.abort();
  };
  await autopilot(conn, scrape.source, { capacity: CAPACITY, interval: 0.05 }, { signal: stop.signal, onStep });
  t.same(steps.map((x) => x.regions.find((r) => r.region === 'eu-central-1')?.dialAfter), [90, 80, 70], 'a step per interval, each on rates after the last change');
  t.equal(scrape.asked.length, 6, 'three steps and a read right after each of their writes');

  const prom = scripted([{ ...idle, 'eu-central-1': 300 }], 'prometheus', 0.4);
  steps.length = 0;
  const stop2 = new AbortController();
  await autopilot(conn, prom.source, { capacity: CAPACITY, interval: 0.1 }, {
    signal: stop2.signal,
    onStep: (x) => {
      steps.push(x);
      if (steps.filter((y) => y.regions.some((r) => r.written)).length === 2) stop2.abort();
    },
  });
  const eu = steps.map((x) => x.regions.find((r) => r.region === 'eu-central-1'));
  t.match(eu[0], { action: 'lower', dialBefore: 70, dialAfter: 60, written: true });
  const held = steps.slice(1, -1);
  t.ok(held.length >= 2, `held ${held.length} steps while the 0.4 s window covered the change`);
  for (const h of held) t.match(h, { hold: 'measuring the effect of the last change: the rates still cover it' });
  t.match(eu[eu.length - 1], { action: 'lower', dialBefore: 60, dialAfter: 50, written: true });
});

t.test('a stop during a write lets that write finish and skips the next', async (t) => {
  const s = await seed(t, { addressPool: '127.85.5.0/24' });
  const conn = await connectTo(t, s);
  await setDial(conn, { region: 'us-west-2', percent: 50 });
  await setDial(conn, { region: 'ap-southeast-1', percent: 50 });
  const stop = new AbortController();
  const onWrite = () => stop.abort();
  subscribe(CHANNELS.write, onWrite);
  t.teardown(() => unsubscribe(CHANNELS.write, onWrite));
  const steps: StepReport[] = [];
  const r = await autopilot(conn, scripted([{ ...idle, 'eu-central-1': 300 }]).source, { capacity: CAPACITY, interval: 0.05, raiseAfter: 1 }, { signal: stop.signal, onStep: (x) => steps.push(x) });
  t.same(r, { steps: 1, writes: 1, failures: 0 });
  const by = (region: string) => steps[0]?.regions.find((x) => x.region === region);
  t.match(by('eu-central-1'), { action: 'lower', written: true }, 'lowers first: the write in flight ran to its verified end');
  t.match(by('us-west-2'), { action: 'raise', dialAfter: 60, written: false, error: 'stopped before this write' });
  t.equal((await s.group('TCP:80', 'eu-central-1')).dial, 90);
  t.equal((await s.group('TCP:80', 'us-west-2')).dial, 50);
  t.equal((await s.group('TCP:80', 'ap-southeast-1')).dial, 50);
});

t.test('a failed write is reported in the step and the loop goes on', async (t) => {
  const s = await seed(t, { addressPool: '127.85.6.0/24' });
  const conn = await connectTo(t, s, { retry: { maxAttempts: 1 } });
  s.emulator.faults.set('UpdateEndpointGroup', { error: 'InternalServiceErrorException', count: 1 });
  const steps: StepReport[] = [];
  const stop = new AbortController();
  const r = await autopilot(conn, scripted([{ ...idle, 'eu-central-1': 300 }]).source, { capacity: CAPACITY, interval: 0.05 }, {
    signal: stop.signal,
    onStep: (x) => {
      steps.push(x);
      if (steps.length === 2) stop.abort();
    },
  });
  t.same(r, { steps: 2, writes: 1, failures: 1 });
  t.match(steps[0]?.regions.find((x) => x.region === 'eu-central-1'), { action: 'lower', written: false, error: /InternalServiceErrorException/ });
  t.match(steps[1]?.regions.find((x) => x.region === 'eu-central-1'), { action: 'lower', dialBefore: 100, dialAfter: 90, written: true });
});

t.test('IN_PROGRESS: nothing moves', async (t) => {
  const s = await seed(t, { addressPool: '127.85.7.0/24', deploySeconds: 2, transactionInProgress: 'off' });
  const conn = await connectTo(t, s);
  await setDial(conn, { region: 'us-west-2', percent: 99 }, { wait: false });
  const steps: StepReport[] = [];
  const r = await autopilot(conn, scripted([{ ...idle, 'eu-central-1': 300 }]).source, { capacity: CAPACITY, once: true }, { onStep: (x) => steps.push(x) });
  t.same(r, { steps: 1, writes: 0, failures: 0 });
  t.match(steps[0], { accelerator: { status: 'IN_PROGRESS' }, hold: 'accelerator IN_PROGRESS: waiting for DEPLOYED' });
});

t.test('capacities must match the Regions of the steered listeners; a listener that does not exist fails', async (t) => {
  const s = await seed(t, { addressPool: '127.85.8.0/24' });
  const conn = await connectTo(t, s);
  const { 'ap-southeast-1': _ap, ...three } = CAPACITY;
  await t.rejects(autopilot(conn, scripted([idle]).source, { capacity: three, once: true }), {
    code: 'GACTL_ERR_INVALID_OPTION', option: 'capacity',
    message: `capacity must name every Region with an endpoint group on the steered listeners (${REGIONS.join(', ')}), missing ap-southeast-1`,
  });
  await t.rejects(autopilot(conn, scripted([idle]).source, { capacity: { ...CAPACITY, 'sa-east-1': 10 }, once: true }), { message: /must name only Regions .*, got sa-east-1$/ });
  await t.rejects(autopilot(conn, scripted([idle]).source, { capacity: CAPACITY, once: true, listener: ['UDP:80'] }), { code: 'GACTL_ERR_NOT_FOUND' });
});
