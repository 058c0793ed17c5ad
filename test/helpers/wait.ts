import type { FakeClock } from "./fake-clock.ts";

/** Polls (in real time, every few ms) until `check` holds; for effects of async work, not for timing. */
export async function until(check: () => boolean | Promise<boolean>, what = "condition", timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Moves a fake clock to each sleeper that is due within `horizonMs` (backoffs, Retry-After, delays)
 * until `done()` holds. Sleepers further away (a 30 s step timeout) are left alone, so real I/O
 * such as an HTTP call in flight can finish.
 */
export async function driveClock(clock: FakeClock, done: () => boolean | Promise<boolean>, horizonMs = 5_000, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`driveClock: not done after ${timeoutMs} ms`);
    const next = clock.nextWakeAt();
    if (next !== undefined && next - clock.now() <= horizonMs) await clock.advance(Math.max(0, next - clock.now()));
    else await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
