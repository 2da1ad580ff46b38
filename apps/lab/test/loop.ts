import t from 'tap';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { drainFigures, failoverFigures, startLoop } from '../src/loop.js';
import type { Sample } from '../src/loop.js';

const ok = (at: number, identity: string): Sample => ({ at, ms: 5, ok: true, identity, region: identity.split('.')[1]?.slice(0, -1) as string });
const bad = (at: number): Sample => ({ at, ms: 5, ok: false, kind: 'reset' });

t.test('failover figures: failures after the window, time to the next region and back', async (t) => {
  const eu = 'i-0aaa.eu-central-1a';
  const us = 'i-0bbb.us-east-1a';
  const samples = [ok(0, eu), ok(100, eu), bad(200), bad(300), bad(1500), ok(1600, us), ok(1700, us), ok(3000, us), ok(3100, eu)];
  t.same(failoverFigures(samples, { region: 'eu-central-1', killAt: 150, windowMs: 2000, restartAt: 2900 }), {
    failedAfterWindow: 0, secondsToFailover: 1.455, secondsToRecover: 0.205, nextRegion: 'us-east-1', requests: 7, failed: 3, failedInWindow: 3,
  });
  // a failure after the window counts; nothing from another region, nothing back
  const never = [ok(0, eu), bad(200), bad(2500), bad(2600)];
  t.same(failoverFigures(never, { region: 'eu-central-1', killAt: 150, windowMs: 2000, restartAt: 5000 }), {
    failedAfterWindow: 2, secondsToFailover: null, secondsToRecover: null, nextRegion: null, requests: 3, failed: 3, failedInWindow: 1,
  });
});

t.test('drain figures: every request after the SIGTERM, the last answer of the drained instance, the takeover', async (t) => {
  const a = 'i-0aaa.eu-central-1a';
  const b = 'i-0bbb.eu-central-1b';
  const samples = [ok(0, a), ok(100, b), ok(1000, a), ok(1200, b), ok(2100, a), ok(2200, b), ok(3000, b)];
  t.same(drainFigures(samples, { identity: a, region: 'eu-central-1', termAt: 500 }), { requests: 5, failed: 0, secondsToLastAnswer: 1.6, takenOver: 3 });
  t.same(drainFigures([ok(0, a), bad(600)], { identity: a, region: 'eu-central-1', termAt: 500 }), { requests: 1, failed: 1, secondsToLastAnswer: null, takenOver: 0 });
});

t.test('the steady loop: paced new connections from a source address, every outcome timed', async (t) => {
  let up = true;
  const seen = new Set<string>();
  const server = createServer((req, res) => {
    seen.add(req.socket.remoteAddress ?? '');
    if (!up) return req.socket.destroy();
    res.end('hostname: i-0123456789abcdef0.eu-central-1a\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const loop = startLoop({ url, sourceAddress: '127.0.0.7', paceMs: 20, timeoutMs: 1000 });
  const first = await loop.until('an answer', (s) => s.ok, 5000);
  t.match(first, { ok: true, identity: 'i-0123456789abcdef0.eu-central-1a', region: 'eu-central-1' });
  up = false;
  const failAt = loop.now();
  const failed = await loop.until('a failure', (s) => !s.ok && s.at >= failAt, 5000);
  t.equal(failed.ok, false);
  t.type(failed.kind, 'string');
  await t.rejects(loop.until('never', () => false, 50), /timed out after 50 ms waiting for never/);
  const samples = await loop.stop();
  t.ok(samples.length >= 2);
  t.ok(samples.every((s, i) => i === 0 || s.at >= (samples[i - 1] as Sample).at + 15), 'paced about every 20 ms');
  t.same([...seen], ['127.0.0.7'], 'from the source address');
  const n = samples.length;
  await new Promise((r) => setTimeout(r, 100));
  t.equal(loop.samples.length, n, 'stopped');
});
