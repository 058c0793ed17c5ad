import type { Clock } from "./clock.ts";

/** Longest single sleep: keeps under setTimeout's ~24.8-day limit and notices clock jumps hourly. */
const MAX_SLEEP_MS = 60 * 60_000;

/** Sleeps on the injected clock until `at` (ms since the epoch); rejects when `signal` aborts. */
export async function sleepUntil(clock: Clock, at: number, signal?: AbortSignal): Promise<void> {
  for (;;) {
    const left = at - clock.now();
    if (left <= 0) return;
    await clock.sleep(Math.min(left, MAX_SLEEP_MS), signal);
  }
}
