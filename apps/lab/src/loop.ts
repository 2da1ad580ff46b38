/**
 * The drills' steady loop: the seed's `curl` from one city, one request at a time on a new
 * connection (a new flow, routed anew), paced, every outcome kept with its time, so a drill can
 * say when requests failed and when another region took over. The figures are computed from
 * the samples by pure functions, so they are tested on samples of known shape.
 */
import { httpOnce, regionFromIdentity } from '@anycast-origin/probe';

export interface Sample {
  /** When the request started, ms since the loop started. */
  readonly at: number;
  /** How long it took, ms. */
  readonly ms: number;
  readonly ok: boolean;
  readonly identity?: string;
  readonly region?: string;
  /** Why it failed (probe's error kinds: refused, reset, timeout, status, ...). */
  readonly kind?: string;
}

export interface LoopOptions {
  readonly url: string;
  readonly sourceAddress: string;
  /** Start a request this often (or right after the last one, when it took longer). */
  readonly paceMs: number;
  readonly timeoutMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A running loop: `now()` is on the samples' clock; `stop()` resolves with every sample. */
export interface SteadyLoop {
  now(): number;
  readonly samples: readonly Sample[];
  /** Resolves once a sample satisfies `cond` (checked as samples arrive), or rejects after `timeoutMs`. */
  until(what: string, cond: (s: Sample) => boolean, timeoutMs: number): Promise<Sample>;
  stop(): Promise<Sample[]>;
}

export function startLoop(o: LoopOptions): SteadyLoop {
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  const samples: Sample[] = [];
  let running = true;
  const waiters: { cond: (s: Sample) => boolean; resolve: (s: Sample) => void }[] = [];
  const done = (async () => {
    while (running) {
      const at = now();
      const a = await httpOnce(o.url, { sourceAddress: o.sourceAddress, timeoutMs: o.timeoutMs });
      const ms = now() - at;
      const out = a.outcome;
      const region = out.ok ? regionFromIdentity(out.identity) : undefined;
      const s: Sample = out.ok ? { at, ms, ok: true, identity: out.identity, ...(region ? { region } : {}) } : { at, ms, ok: false, kind: out.kind };
      samples.push(s);
      for (const w of [...waiters]) {
        if (w.cond(s)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(s);
        }
      }
      const left = o.paceMs - ms;
      if (left > 0 && running) await sleep(left);
    }
  })();
  return {
    now,
    samples,
    until(what, cond, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          const i = waiters.findIndex((w) => w.resolve === ok);
          if (i >= 0) waiters.splice(i, 1);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
        }, timeoutMs);
        const ok = (s: Sample) => {
          clearTimeout(timer);
          resolve(s);
        };
        waiters.push({ cond, resolve: ok });
      });
    },
    async stop() {
      running = false;
      await done;
      return samples;
    },
  };
}

export interface FailoverFigures {
  /** Requests that started after the kill plus the health window and failed (the expectation: none). */
  failedAfterWindow: number;
  /** From the kill to the first answer from another region (null: never). */
  secondsToFailover: number | null;
  /** From the restart (the processes started again) to the first answer from the region again (null: never). */
  secondsToRecover: number | null;
  /** The region that took over (the most answers between failover and restart). */
  nextRegion: string | null;
  requests: number;
  failed: number;
  /** Requests that failed inside the health window (expected: the endpoints are still HEALTHY to the accelerator). */
  failedInWindow: number;
}

/**
 * The failover drill's figures from the samples: `killAt` the kill, `windowMs` the health
 * window (interval x threshold, plus one interval), `restartAt` when the instances were started
 * again, `region` the region killed.
 */
export function failoverFigures(samples: readonly Sample[], m: { region: string; killAt: number; windowMs: number; restartAt: number }): FailoverFigures {
  const after = samples.filter((s) => s.at >= m.killAt);
  const failed = after.filter((s) => !s.ok);
  const over = after.find((s) => s.ok && s.region !== m.region);
  const back = samples.find((s) => s.at >= m.restartAt && s.ok && s.region === m.region);
  const between = after.filter((s) => s.ok && s.region !== m.region && s.at < m.restartAt);
  const counts = new Map<string, number>();
  for (const s of between) if (s.region) counts.set(s.region, (counts.get(s.region) ?? 0) + 1);
  const next = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
  const seconds = (ms: number) => Math.round(ms) / 1000;
  return {
    failedAfterWindow: failed.filter((s) => s.at >= m.killAt + m.windowMs).length,
    secondsToFailover: over ? seconds(over.at + over.ms - m.killAt) : null,
    secondsToRecover: back ? seconds(back.at + back.ms - m.restartAt) : null,
    nextRegion: next,
    requests: after.length,
    failed: failed.length,
    failedInWindow: failed.filter((s) => s.at < m.killAt + m.windowMs).length,
  };
}

export interface DrainFigures {
  /** Requests from the SIGTERM to the end of the loop. */
  requests: number;
  failed: number;
  /** From the SIGTERM to the last answer from the drained instance (null: none after it). */
  secondsToLastAnswer: number | null;
  /** Answers from the other instances of the region after the SIGTERM. */
  takenOver: number;
}

/** The drain drill's figures: `termAt` the SIGTERM of instance `identity` in `region`. */
export function drainFigures(samples: readonly Sample[], m: { identity: string; region: string; termAt: number }): DrainFigures {
  const after = samples.filter((s) => s.at >= m.termAt);
  const last = [...after].reverse().find((s) => s.ok && s.identity === m.identity);
  return {
    requests: after.length,
    failed: after.filter((s) => !s.ok).length,
    secondsToLastAnswer: last ? Math.round(last.at - m.termAt) / 1000 : null,
    takenOver: after.filter((s) => s.ok && s.region === m.region && s.identity !== m.identity).length,
  };
}
