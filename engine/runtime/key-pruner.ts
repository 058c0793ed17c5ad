import type { Logger } from "../executor/run-executor.ts";
import type { Store } from "../store/types.ts";
import type { Clock } from "./clock.ts";

export interface KeyPrunerOptions {
  intervalMs: number;
  /** Rows per transaction: small, so ingest writes queued meanwhile are never held up for long. */
  batchSize: number;
  /** Bound on batches per tick; the rest waits for the next tick. */
  maxBatchesPerTick: number;
}

export const defaultKeyPruning: KeyPrunerOptions = { intervalMs: 60_000, batchSize: 500, maxBatchesPerTick: 1_000 };

/** Deletes expired dedupe and ingress idempotency keys in the background, one small batch at a time. */
export class KeyPruner {
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: KeyPrunerOptions = defaultKeyPruning,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a tick in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pruning pass (a pass already in progress is joined, not doubled); resolves to the rows deleted. */
  tick(): Promise<number> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<number> {
    const { batchSize, maxBatchesPerTick } = this.options;
    let total = 0;
    try {
      for (let batch = 0; batch < maxBatchesPerTick; batch++) {
        const removed = await this.store.pruneExpiredKeys(this.clock.now(), batchSize);
        total += removed;
        if (removed < batchSize) break;
        // Let the ingest and step writes queued meanwhile take the next transaction.
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (err) {
      this.logger.log("warn", "pruning expired keys failed", { error: String(err) });
    }
    return total;
  }
}
