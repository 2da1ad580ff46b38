/**
 * The overload drill's load generator, on a worker thread of its own: `rps` new-connection
 * GETs a second (open loop: a slow answer does not slow the sending), round robin over the
 * vantage points' source addresses. On its own thread so that the load does not starve the
 * lab's event loop (the emulator's API and health checks, the autopilot's scrapes), and the
 * lab's work does not bend the load. The load's clock starts when the thread is ready (a
 * thread takes a while to load its modules: starting the clock earlier would send that time's
 * requests in one burst); `{ t0 }` tells the drill when, on the epoch clock, and replies go back
 * in batches timed from it.
 *
 * A request the thread could not send within MAX_LAG_MS (schedule.ts) of its time (the machine
 * stalled the thread) is dropped and counted, as k6's constant-arrival-rate executor counts its
 * dropped iterations: sending the backlog at once would put seconds of load into one, a burst
 * no steady client makes (CI once saw 335 requests in one second of a 150 rps load).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { httpOnce, regionFromIdentity } from '@anycast-origin/probe';
import { onSchedule } from './schedule.js';

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
  // `next` is the index of the next request on the schedule (request i is due at t0 + i / rps).
  let next = 0;
  let dropped = 0;
  let flushed = now();
  while (running) {
    const slot = onSchedule(now() - t0, next, job.rps);
    next = slot.next;
    dropped += slot.dropped;
    while (next < slot.due && running) {
      const source = job.sources[next % job.sources.length] as string;
      const at = now() - t0;
      next++;
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
  port.postMessage({ replies: batch, dropped, done: true });
}

if (parentPort) await run(workerData as LoadJob, parentPort);
