/**
 * Health checks of the deployed endpoints, per endpoint group as configured: TCP (a connect),
 * HTTP or HTTPS (a GET of the path; 200-399 passes), on the group's health-check port
 * (mapped through the endpoint registry, never through PortOverrides: AWS keeps health checks
 * on the original port), every interval, with the threshold.
 *
 * States: an endpoint starts INITIAL and gets no traffic until it passes one check (AWS: "it
 * must pass a health check to be considered healthy"); INITIAL turns UNHEALTHY after
 * `threshold` consecutive failures; HEALTHY turns UNHEALTHY after `threshold` consecutive
 * failures and UNHEALTHY turns HEALTHY after `threshold` consecutive passes (AWS's
 * ThresholdCount). Intervals may be fractions of a second here (the emulator's
 * `healthCheck.minIntervalSeconds`), so a lab sees failover in seconds. Every state change is
 * published on HEALTH_CHANNEL.
 */
import { channel } from 'node:diagnostics_channel';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { HealthCheckProtocol, HealthState } from './control.js';
import { EndpointRegistry } from './registry.js';

/** diagnostics_channel of endpoint health changes: `{ acceleratorArn, endpointGroupArn, region, endpointId, from, to, reason }`. */
export const HEALTH_CHANNEL = 'anycast-origin:ga-emulator:health';
const healthChannel = channel(HEALTH_CHANNEL);

export interface HealthTarget {
  readonly acceleratorArn: string;
  readonly groupArn: string;
  readonly region: string;
  readonly endpointId: string;
  readonly protocol: HealthCheckProtocol;
  /** The health-check port as AWS sees it (before the registry's port map). */
  readonly port: number;
  readonly path: string;
  readonly intervalSeconds: number;
  readonly threshold: number;
}

interface Checker {
  target: HealthTarget;
  state: HealthState;
  reason: string | undefined;
  passes: number;
  failures: number;
  timer: NodeJS.Timeout | undefined;
  inFlight: boolean;
  stopped: boolean;
}

export const INITIAL_REASON = 'Initial health checking';

const key = (groupArn: string, endpointId: string) => `${groupArn}|${endpointId}`;

export class HealthChecker {
  readonly #checkers = new Map<string, Checker>();
  readonly #registry: EndpointRegistry;
  readonly #timeoutMs: number;
  readonly #changed: () => void;
  readonly counts = { checks: 0, passed: 0, failed: 0 };

  constructor(registry: EndpointRegistry, timeoutMs: number, changed: () => void) {
    this.#registry = registry;
    this.#timeoutMs = timeoutMs;
    this.#changed = changed;
  }

  /** Check exactly these targets from now on: new ones start INITIAL, changed ones keep their state, missing ones stop. */
  sync(targets: readonly HealthTarget[]): void {
    const wanted = new Map(targets.map((t) => [key(t.groupArn, t.endpointId), t]));
    for (const [k, c] of this.#checkers) {
      if (!wanted.has(k)) {
        this.#stop(c);
        this.#checkers.delete(k);
      }
    }
    for (const [k, t] of wanted) {
      const c = this.#checkers.get(k);
      if (!c) {
        const created: Checker = { target: t, state: 'INITIAL', reason: INITIAL_REASON, passes: 0, failures: 0, timer: undefined, inFlight: false, stopped: false };
        this.#checkers.set(k, created);
        this.#schedule(created, 0);
      } else if (JSON.stringify(c.target) !== JSON.stringify(t)) {
        const intervalChanged = c.target.intervalSeconds !== t.intervalSeconds;
        c.target = t;
        if (intervalChanged && !c.inFlight) {
          clearTimeout(c.timer);
          this.#schedule(c, t.intervalSeconds * 1000);
        }
      }
    }
  }

  get(groupArn: string, endpointId: string): { state: HealthState; reason: string | undefined } {
    const c = this.#checkers.get(key(groupArn, endpointId));
    return c ? { state: c.state, reason: c.reason } : { state: 'INITIAL', reason: INITIAL_REASON };
  }

  healthy(groupArn: string, endpointId: string): boolean {
    return this.#checkers.get(key(groupArn, endpointId))?.state === 'HEALTHY';
  }

  close(): void {
    for (const c of this.#checkers.values()) this.#stop(c);
    this.#checkers.clear();
  }

  #stop(c: Checker): void {
    c.stopped = true;
    clearTimeout(c.timer);
  }

  #schedule(c: Checker, delayMs: number): void {
    c.timer = setTimeout(() => void this.#run(c), delayMs);
    c.timer.unref();
  }

  async #run(c: Checker): Promise<void> {
    if (c.stopped) return;
    const started = performance.now();
    c.inFlight = true;
    const failure = await this.#probe(c.target);
    c.inFlight = false;
    if (c.stopped) return;
    this.counts.checks++;
    if (failure === undefined) this.counts.passed++;
    else this.counts.failed++;
    this.#record(c, failure);
    const interval = c.target.intervalSeconds * 1000;
    this.#schedule(c, Math.max(0, interval - (performance.now() - started)));
  }

  #record(c: Checker, failure: string | undefined): void {
    const t = c.target;
    const before = c.state;
    if (failure === undefined) {
      c.passes++;
      c.failures = 0;
      if (before === 'INITIAL' || (before === 'UNHEALTHY' && c.passes >= t.threshold)) {
        c.state = 'HEALTHY';
        c.reason = undefined;
      }
    } else {
      c.failures++;
      c.passes = 0;
      if (before === 'UNHEALTHY') c.reason = `Health checks failed: ${failure}`;
      else if (c.failures >= t.threshold) {
        c.state = 'UNHEALTHY';
        c.reason = `Health checks failed: ${failure}`;
      }
    }
    if (c.state !== before) {
      this.#changed();
      if (healthChannel.hasSubscribers) {
        healthChannel.publish({ acceleratorArn: t.acceleratorArn, endpointGroupArn: t.groupArn, region: t.region, endpointId: t.endpointId, from: before, to: c.state, reason: c.reason });
      }
    }
  }

  /** One check: undefined when it passed, else why it failed. */
  #probe(t: HealthTarget): Promise<string | undefined> {
    const e = this.#registry.get(t.endpointId);
    if (!e) return Promise.resolve('endpoint not in the emulator\'s registry');
    const port = EndpointRegistry.realPort(e, t.port);
    const timeout = Math.max(1, Math.min(this.#timeoutMs, t.intervalSeconds * 1000));
    return new Promise((resolve) => {
      let done = false;
      const finish = (why: string | undefined) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(why);
      };
      const deadline = performance.now() + timeout;
      let extended = false;
      const expire = () => {
        // A timer that fires well after its time means this process's event loop was held up
        // (a busy or loaded machine): the endpoint's answer may be sitting in a socket the loop
        // has not read yet, and a turn of the loop runs its timers before its I/O. The stall
        // is not the endpoint's slowness: the check gets its time once more.
        if (!extended && performance.now() - deadline > Math.max(10, timeout / 4)) {
          extended = true;
          timer = setTimeout(expire, timeout);
          return;
        }
        finish(`timed out after ${timeout} ms`);
        cleanup();
      };
      let timer = setTimeout(expire, timeout);
      let cleanup: () => void;
      if (t.protocol === 'TCP') {
        const s = connect({ host: e.address, port });
        cleanup = () => s.destroy();
        s.once('connect', () => {
          s.destroy();
          finish(undefined);
        });
        s.once('error', (err: NodeJS.ErrnoException) => finish(`connect ${err.code ?? err.message}`));
      } else {
        const req = (t.protocol === 'HTTPS' ? httpsRequest : httpRequest)({
          host: e.address, port, path: t.path, method: 'GET', agent: false, rejectUnauthorized: false,
          headers: { 'User-Agent': 'ga-emulator-health-check', Connection: 'close' },
        });
        cleanup = () => req.destroy();
        req.once('response', (res) => {
          res.resume();
          const status = res.statusCode ?? 0;
          finish(status >= 200 && status < 400 ? undefined : `HTTP ${status}`);
          req.destroy();
        });
        req.once('error', (err: NodeJS.ErrnoException) => finish(`${t.protocol} ${err.code ?? err.message}`));
        req.end();
      }
    });
  }
}
