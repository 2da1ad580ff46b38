/**
 * The overload drill's load generator, on a worker thread of its own: `rps` new-connection
 * GETs a second (open loop: a slow answer does not slow the sending), round robin over the
 * vantage points' source addresses. On its own thread so that the load does not starve the
 * lab's event loop (the emulator's API and health checks, the autopilot's scrapes), and the
 * lab's work does not bend the load. The load's clock starts when the thread is ready (a
 * thread takes a while to load its modules: starting the clock earlier would send that time's
 * requests in one burst); `{ t0 }` tells the drill when, on the epoch clock, and replies go back
 * in batches timed from it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { httpOnce, regionFromIdentity } from '@anycast-origin/probe';

export interface LoadJob {
  url: string;
  sources: string[];
  rps: number;
  timeoutMs: number;
}

export interface Reply {
  /** ms since t0 the request started */
  at: number;
  region: string | undefined;
  ok: boolean;
  kind?: string;
}

const now = () => performance.timeOrigin + performance.now();

async function run(job: LoadJob, port: NonNullable<typeof parentPort>): Promise<void> {
  const t0 = now();
  port.postMessage({ t0 });
  let running = true;
  port.on('message', (m) => {
    if (m === 'stop') running = false;
  });
  const inFlight = new Set<Promise<void>>();
  let batch: Reply[] = [];
  let sent = 0;
  let flushed = now();
  while (running) {
    const due = Math.floor(((now() - t0) / 1000) * job.rps);
    while (sent < due && running) {
      const source = job.sources[sent % job.sources.length] as string;
      const at = now() - t0;
      sent++;
      const p = httpOnce(job.url, { sourceAddress: source, timeoutMs: job.timeoutMs }).then((a) => {
        batch.push(a.outcome.ok ? { at, ok: true, region: regionFromIdentity(a.outcome.identity) } : { at, ok: false, region: undefined, kind: a.outcome.kind });
      }).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    if (now() - flushed > 200) {
      port.postMessage({ replies: batch });
      batch = [];
      flushed = now();
    }
    await sleep(5);
  }
  await Promise.all([...inFlight]);
  port.postMessage({ replies: batch, done: true });
}

if (parentPort) await run(workerData as LoadJob, parentPort);
