import type { Logger } from "../executor/run-executor.ts";
import type { PruneRule, Store } from "../store/types.ts";
import type { Clock } from "./clock.ts";

export interface RetentionOptions {
  /** Finished runs created more than this many days ago are deleted; 0 keeps them forever. */
  days: number;
  /** Per flow, finished runs beyond its newest `perFlow` are deleted; 0 = no cap. */
  perFlow: number;
  /** Time between passes; the first pass starts one interval after start(). */
  intervalMs: number;
  /** Runs deleted per write: small, so each batch is a short transaction between ingests. */
  batchSize: number;
}

export const DEFAULT_RETENTION: RetentionOptions = { days: 14, perFlow: 10_000, intervalMs: 60_000, batchSize: 100 };

const DAY_MS = 86_400_000;
const FLOW_PAGE = 50;

export interface PruneTotals {
  runs: number;
}

/**
 * Deletes old finished runs (with their steps) in small batches, yielding to the event loop
 * between batches so ingest is never held up. Runs still queued or running are never touched,
 * whatever their age. (Expired dedupe and idempotency keys have their own pruner.)
 */
export class RetentionService {
  private timer?: NodeJS.Timeout;
  private pass?: Promise<PruneTotals>;
  private stopping = false;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: RetentionOptions,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.runOnce(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a pass in progress to reach its next batch boundary. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.pass?.catch(() => undefined);
  }

  /** One full pass; a pass already running is joined rather than doubled. */
  runOnce(): Promise<PruneTotals> {
    if (!this.pass) {
      this.pass = this.prune()
        .catch((err: unknown) => {
          this.logger.log("error", "pruning old runs failed; retrying next interval", { error: String(err) });
          return { runs: 0 };
        })
        .finally(() => (this.pass = undefined));
    }
    return this.pass;
  }

  private async prune(): Promise<PruneTotals> {
    const totals: PruneTotals = { runs: 0 };
    const { days, perFlow } = this.options;
    const now = this.clock.now();
    if (days > 0) totals.runs += await this.drain({ createdBefore: now - days * DAY_MS });
    if (perFlow > 0) {
      let after: string | undefined;
      for (;;) {
        const flowIds = await this.store.flowIdsWithRuns(after, FLOW_PAGE);
        for (const flowId of flowIds) totals.runs += await this.drain({ flowId, keepNewest: perFlow });
        if (flowIds.length < FLOW_PAGE || this.stopping) break;
        after = flowIds[flowIds.length - 1];
      }
    }
    if (totals.runs > 0) this.logger.log("info", "pruned old runs", { ...totals });
    return totals;
  }

  private async drain(rule: PruneRule): Promise<number> {
    let total = 0;
    for (let n = this.options.batchSize; n === this.options.batchSize && !this.stopping; ) {
      const started = performance.now();
      n = await this.store.pruneRuns(rule, this.options.batchSize);
      total += n;
      await rest(performance.now() - started);
    }
    return total;
  }
}

/**
 * Rests as long as the batch took, so a pass uses at most about half the process: deleting a
 * run costs about what writing it did, and back-to-back batches over a flow 50,000 runs past its
 * limit starved ingest of CPU for seconds (pipeline webhooks fell from ~1,800 to ~200 req/s).
 */
function rest(ms: number): Promise<void> {
  return new Promise((resolve) => (ms < 1 ? setImmediate(resolve) : setTimeout(resolve, ms)));
}
