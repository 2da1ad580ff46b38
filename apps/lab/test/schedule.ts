/** The overload drill's open-loop schedule: late requests are dropped, never sent in a burst. */
import t from 'tap';
import { MAX_LAG_MS, onSchedule } from '../src/schedule.js';

t.test('the load keeps its schedule: a request it could not send on time is dropped, not sent in a burst', async (t) => {
  t.same(onSchedule(0, 0, 100), { due: 0, next: 0, dropped: 0 });
  t.same(onSchedule(1000, 0, 100), { due: 100, next: 75, dropped: 75 }, `after a 1 s stall, only the last ${MAX_LAG_MS} ms of requests are still sent`);
  t.same(onSchedule(1000, 90, 100), { due: 100, next: 90, dropped: 0 }, 'a little behind: all sent');
  t.same(onSchedule(1000, 100, 100), { due: 100, next: 100, dropped: 0 }, 'on time');
  t.same(onSchedule(10_000, 500, 150), { due: 1500, next: 1463, dropped: 963 });
  // Sending as the worker does, with a 3 s stall in the middle: no second gets more than its share and a quarter.
  const perSecond = new Map<number, number>();
  let next = 0;
  let dropped = 0;
  for (let ms = 0; ms < 10_000; ms += ms >= 4000 && ms < 7000 ? 3000 : 5) {
    const slot = onSchedule(ms, next, 150);
    dropped += slot.dropped;
    for (next = slot.next; next < slot.due; next++) perSecond.set(Math.floor(ms / 1000), (perSecond.get(Math.floor(ms / 1000)) ?? 0) + 1);
  }
  t.ok(Math.max(...perSecond.values()) <= 150 * 1.25 + 1, `at most ${Math.max(...perSecond.values())} requests in a second`);
  t.ok(dropped > 400 && dropped < 450, `about 2.75 s of requests dropped: ${dropped}`);
});
