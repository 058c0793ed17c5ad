import type { Clock } from "../../engine/index.ts";

/** A clock that only moves when the test says so; sleepers wake as time passes them. */
export class FakeClock implements Clock {
  private sleepers: { until: number; resolve: () => void; reject: (e: unknown) => void; signal?: AbortSignal }[] = [];

  constructor(private time = Date.UTC(2026, 0, 1)) {}

  now = (): number => this.time;

  sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const sleeper = { until: this.time + ms, resolve, reject, signal };
      this.sleepers.push(sleeper);
      signal?.addEventListener(
        "abort",
        () => {
          this.sleepers = this.sleepers.filter((s) => s !== sleeper);
          reject(signal.reason);
        },
        { once: true },
      );
    });

  timer = (ms: number, onDue: () => void): (() => void) => {
    const sleeper = { until: this.time + ms, resolve: onDue, reject: () => undefined };
    this.sleepers.push(sleeper);
    return () => {
      this.sleepers = this.sleepers.filter((s) => s !== sleeper);
    };
  };

  /** Moves time forward, waking sleepers in order and letting their continuations run. */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    for (;;) {
      const due = this.sleepers.filter((s) => s.until <= target).sort((a, b) => a.until - b.until)[0];
      if (!due) break;
      this.time = Math.max(this.time, due.until);
      this.sleepers = this.sleepers.filter((s) => s !== due);
      due.resolve();
      await settle();
    }
    this.time = target;
    await settle();
  }

  get pendingSleepers(): number {
    return this.sleepers.length;
  }

  /** When the earliest sleeper wakes, or undefined when nobody sleeps. */
  nextWakeAt(): number | undefined {
    let earliest: number | undefined;
    for (const s of this.sleepers) if (earliest === undefined || s.until < earliest) earliest = s.until;
    return earliest;
  }
}

/** Lets queued promise continuations and setImmediate callbacks (group commit) run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}
