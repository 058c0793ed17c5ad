import { newId } from "../ids.ts";
import type { CompiledFlowCache } from "../executor/compiled-flow.ts";
import { executeRun, type ExecutorDeps } from "../executor/run-executor.ts";
import type { ClaimedRun } from "../store/types.ts";
import { isFreshJournal } from "./retry-plan.ts";

export interface WorkerOptions {
  concurrency: number;
  leaseMs: number;
  /** How often to look for queued, expired or due runs when nothing woke us. */
  pollMs: number;
}

/**
 * Claims runs from the store with a lease, executes up to `concurrency` at once, renews the
 * leases of what it holds, and on stop lets in-flight steps finish and hands the rest back.
 */
export class Worker {
  readonly owner = newId("wkr");
  private readonly active = new Map<string, Promise<void>>();
  private claiming = false;
  private wakeAgain = false;
  private stopping = false;
  private pollTimer?: NodeJS.Timeout;
  private renewTimer?: NodeJS.Timeout;
  private stopWaking?: () => void;

  constructor(
    private readonly deps: ExecutorDeps,
    private readonly flows: CompiledFlowCache,
    private readonly options: WorkerOptions,
  ) {}

  start(): void {
    this.pollTimer = setInterval(() => this.wake(), this.options.pollMs);
    this.renewTimer = setInterval(() => void this.renew(), Math.max(50, Math.floor(this.options.leaseMs / 3)));
    this.pollTimer.unref();
    this.renewTimer.unref();
    this.stopWaking = this.deps.store.onWake?.(() => this.wake());
    this.wake();
  }

  get activeCount(): number {
    return this.active.size;
  }

  hasCapacity(): boolean {
    return !this.stopping && this.active.size < this.options.concurrency;
  }

  leaseUntil(): number {
    return this.deps.clock.now() + this.options.leaseMs;
  }

  /** Looks for claimable work now (called on enqueue and by the poll timer). */
  wake(): void {
    if (this.stopping) return;
    if (this.claiming) {
      this.wakeAgain = true;
      return;
    }
    void this.claimLoop();
  }

  /**
   * Executes a run this process leased to itself at enqueue, skipping a claim round trip.
   * `durable` resolves when the enqueue has committed; nothing is written or sent before it.
   */
  adopt(claimed: ClaimedRun, durable?: Promise<unknown>): void {
    this.launch(claimed, durable);
  }

  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    clearInterval(this.pollTimer);
    this.stopWaking?.();
    const drained = Promise.allSettled([...this.active.values()]);
    const timedOut = await Promise.race([drained.then(() => false), sleep(timeoutMs).then(() => true)]);
    clearInterval(this.renewTimer);
    if (timedOut) await this.deps.store.releaseRuns(this.owner, [...this.active.keys()]).catch(() => undefined);
  }

  private async claimLoop(): Promise<void> {
    this.claiming = true;
    try {
      do {
        this.wakeAgain = false;
        while (this.hasCapacity()) {
          const now = this.deps.clock.now();
          const limit = this.options.concurrency - this.active.size;
          const claimed = await this.deps.store.claimRuns(this.owner, limit, now + this.options.leaseMs, now);
          for (const run of claimed) this.launch(run);
          if (claimed.length < limit) break;
        }
      } while (this.wakeAgain && this.hasCapacity());
    } catch (err) {
      this.deps.logger.log("error", "claiming runs failed", { error: String(err) });
    } finally {
      this.claiming = false;
    }
  }

  private launch(claimed: ClaimedRun, durable?: Promise<unknown>): void {
    const runId = claimed.run.id;
    if (this.active.has(runId)) return;
    const task = this.execute(claimed, durable).finally(() => {
      this.active.delete(runId);
      this.wake();
    });
    this.active.set(runId, task);
  }

  private async execute(claimed: ClaimedRun, durable?: Promise<unknown>): Promise<void> {
    const { run } = claimed;
    try {
      const doc = await this.deps.store.getFlow(run.flowId, run.flowVersion);
      if (!doc) {
        await durable;
        const error = { code: "FLOW_NOT_FOUND", message: `flow ${run.flowId} version ${run.flowVersion} no longer exists` };
        await this.deps.store.finishRun({ runId: run.id, owner: this.owner, status: "failed", error, now: this.deps.clock.now(), steps: [] });
        this.deps.events.emit({ type: "run.finished", runId: run.id, flowId: run.flowId, status: "failed", error });
        return;
      }
      if (isFreshJournal(claimed.steps)) {
        await durable;
        this.deps.events.emit({ type: "run.started", runId: run.id, flowId: run.flowId, status: "running" });
      }
      await executeRun(claimed, this.flows.get(doc), this.owner, this.deps, { durable, shouldStop: () => this.stopping });
    } catch (err) {
      this.deps.logger.log("error", "run execution failed", { runId: run.id, error: String(err) });
    }
  }

  private async renew(): Promise<void> {
    const ids = [...this.active.keys()];
    if (ids.length === 0) return;
    try {
      await this.deps.store.renewLeases(this.owner, ids, this.leaseUntil());
    } catch (err) {
      this.deps.logger.log("warn", "renewing leases failed", { error: String(err) });
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
