import type { Logger } from "../executor/run-executor.ts";
import type { Clock } from "./clock.ts";
import { sleepUntil } from "./sleep-until.ts";

/** When a time-based trigger is due: cron ticks for a schedule, interval slots for a poll. */
export interface TickSource {
  /** The most recent tick at or before `now`, if any. */
  latestAtOrBefore(now: number): number | undefined;
  /** The first tick after `now`; undefined when there is none (the loop ends). */
  nextAfter(now: number): number | undefined;
}

export interface TickLoopOptions {
  name: string;
  clock: Clock;
  logger: Logger;
  source: TickSource;
  /** Ticks at or before this time are not fired: already fired, or before the trigger was armed. */
  baseline(): Promise<number>;
  /** Fires one tick; a throw is logged and the tick is tried again after a pause. */
  fire(tick: number, signal: AbortSignal): Promise<void>;
}

const RETRY_AFTER_ERROR_MS = 30_000;

/**
 * Misfire policy: only the most recent due tick is ever fired. After downtime (or a stalled
 * process) the trigger fires ONCE for the latest tick it missed, not once per missed tick, then
 * follows the schedule again. Which ticks fired is recorded in the store (Store.fireTrigger), so
 * a tick fires once across restarts and across processes sharing the store.
 */
export class TickLoop {
  private readonly controller = new AbortController();
  private running?: Promise<void>;

  constructor(private readonly options: TickLoopOptions) {}

  start(): void {
    this.running ??= this.loop();
  }

  /** Disarms; resolves once no fire of this loop is in flight. */
  async stop(): Promise<void> {
    this.controller.abort(new Error(`${this.options.name} stopped`));
    await this.running;
  }

  private async loop(): Promise<void> {
    const { clock, source, logger, name } = this.options;
    const signal = this.controller.signal;
    let baseline: number | undefined;
    while (!signal.aborted) {
      try {
        baseline ??= await this.options.baseline();
        const now = clock.now();
        const due = source.latestAtOrBefore(now);
        if (due !== undefined && due > baseline) {
          await this.options.fire(due, signal);
          baseline = due;
          continue;
        }
        const next = source.nextAfter(now);
        if (next === undefined) return;
        await sleepUntil(clock, next, signal);
      } catch (err) {
        if (signal.aborted) return;
        logger.log("warn", `${name} failed; trying again in ${RETRY_AFTER_ERROR_MS / 1000}s`, { error: String(err) });
        await clock.sleep(RETRY_AFTER_ERROR_MS, signal).catch(() => undefined);
      }
    }
  }
}
