/**
 * The overload drill's open-loop schedule (load-worker.ts): request i is due at i / rps s after
 * the start; one the load thread could not send within MAX_LAG_MS of its time is dropped.
 */

/** How late a request may still be sent, ms. */
export const MAX_LAG_MS = 250;

/**
 * Where the schedule stands `elapsedMs` after the start, request i being due at i / rps s:
 * `due` requests are due by now; of those from `next` on, the ones due more than MAX_LAG_MS
 * ago are dropped, and sending resumes at `next`.
 */
export function onSchedule(elapsedMs: number, next: number, rps: number): { due: number; next: number; dropped: number } {
  const due = Math.floor((elapsedMs / 1000) * rps);
  const stale = Math.ceil(((elapsedMs - MAX_LAG_MS) / 1000) * rps);
  return next < stale ? { due, next: stale, dropped: stale - next } : { due, next, dropped: 0 };
}
