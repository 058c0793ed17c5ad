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
 * A crashed worker's runs come back by themselves: their leases expire and the next poll of
 * any worker (this process after a restart included) claims and resumes them.
 */
export class Worker {
  readonly owner = newId("wkr");
  private readonly active = new Map<string, Promise<void>>();
  /** Active runs whose final write is committing: they hold no slot (see busySlots). */
  private readonly finishing = new Set<string>();
  /** Runs whose lease another worker took over (we were too slow to renew): stop them. */
  private readonly lost = new Set<string>();
  /** Slots promised to runs being enqueued with a lease to us (see reserve()). */
  private reserved = 0;
  /** True from a claim round's start until its last decision (set and cleared synchronously). */
  private claiming = false;
  /** The current claim round, for stop() to wait on. */
  private claimRound?: Promise<void>;
  private wakeAgain = false;
  /**
   * Claimable work may be waiting (set by every wake, cleared when a claim comes back short).
   * A run that ends looks for more only then: runs adopted at enqueue need no claim round.
   */
  private backlog = true;
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

  /**
   * A slot is free while fewer than `concurrency` runs execute. Runs whose final write is
   * committing hold none, yet each may have made a call a crash would repeat; they are capped at
   * `concurrency` too, so one crash repeats at most twice `concurrency` side effects.
   */
  hasCapacity(): boolean {
    const { concurrency } = this.options;
    return !this.stopping && this.busySlots() + this.reserved < concurrency && this.active.size + this.reserved < 2 * concurrency;
  }

  /**
   * Holds a slot for a run about to be enqueued already leased to this worker, so a burst of
   * ingests cannot start more runs than `concurrency`. Follow with adopt() or unreserve().
   */
  reserve(): boolean {
    if (!this.hasCapacity()) return false;
    this.reserved++;
    return true;
  }

  unreserve(): void {
    this.reserved = Math.max(0, this.reserved - 1);
  }

  leaseUntil(): number {
    return this.deps.clock.now() + this.options.leaseMs;
  }

  /** Looks for claimable work now (called on enqueue and by the poll timer). */
  wake(): void {
    this.backlog = true;
    if (this.stopping) return;
    if (this.claiming) {
      this.wakeAgain = true;
      return;
    }
    // Cleared inside claimLoop, not in a .finally: a wake() between the loop's last look and a
    // later callback would otherwise be lost.
    this.claiming = true;
    this.claimRound = this.claimLoop();
  }

  /**
   * Executes a run this process leased to itself at enqueue (after reserve()), skipping a claim
   * round trip. `durable` resolves when the enqueue has committed; nothing is written or sent
   * before it.
   */
  adopt(claimed: ClaimedRun, durable?: Promise<unknown>): void {
    this.unreserve();
    this.launch(claimed, durable);
  }

  /**
   * Stops claiming, lets in-flight steps finish (each run hands itself back at its next step
   * boundary) and, after `timeoutMs`, releases the leases of whatever is still executing.
   */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    clearInterval(this.pollTimer);
    this.stopWaking?.();
    const deadline = Date.now() + timeoutMs;
    while ((this.active.size > 0 || this.claiming) && Date.now() < deadline) {
      const pending = [...this.active.values(), ...(this.claiming && this.claimRound ? [this.claimRound] : [])];
      await Promise.race([Promise.allSettled(pending), sleep(deadline - Date.now())]);
    }
    clearInterval(this.renewTimer);
    if (this.active.size > 0) await this.deps.store.releaseRuns(this.owner, [...this.active.keys()]).catch(() => undefined);
  }

  /** Runs still executing; one whose last write is committing has done its work. */
  private busySlots(): number {
    return this.active.size - this.finishing.size;
  }

  private async claimLoop(): Promise<void> {
    try {
      do {
        this.wakeAgain = false;
        while (this.hasCapacity()) {
          const now = this.deps.clock.now();
          const limit = this.options.concurrency - this.busySlots() - this.reserved;
          const claimed = await this.deps.store.claimRuns(this.owner, limit, now + this.options.leaseMs, now);
          if (claimed.length > 0) this.deps.crash?.("claim.after");
          for (const run of claimed) this.launch(run);
          if (claimed.length < limit) {
            if (!this.wakeAgain) this.backlog = false;
            break;
          }
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
      this.finishing.delete(runId);
      this.lost.delete(runId);
      if (this.backlog) this.wake();
    });
    this.active.set(runId, task);
  }

  private async execute(claimed: ClaimedRun, durable?: Promise<unknown>): Promise<void> {
    const { run } = claimed;
    try {
      // Versions are immutable: a compiled one is as good as the stored document, and cheaper.
      let flow = this.flows.lookup(run.flowId, run.flowVersion);
      if (!flow) {
        const doc = await this.deps.store.getFlow(run.flowId, run.flowVersion);
        if (!doc) {
          await durable;
          await this.failRun(run.id, run.flowId, "FLOW_NOT_FOUND", `flow ${run.flowId} version ${run.flowVersion} no longer exists`);
          return;
        }
        flow = this.flows.get(doc);
      }
      if (isFreshJournal(claimed.steps)) {
        // Announced once the run is durable; its steps run meanwhile (they are journaled, and
        // announced, no earlier: the store writes in order).
        const started = () => this.deps.events.emit({ type: "run.started", runId: run.id, flowId: run.flowId, status: "running" });
        if (durable) void durable.then(started, () => undefined);
        else started();
      }
      const end = await executeRun(claimed, flow, this.owner, this.deps, {
        durable,
        shouldStop: () => this.stopping || this.lost.has(run.id),
        finishing: () => void this.finishing.add(run.id),
      });
      if (end === "lost" || (end === "released" && this.lost.has(run.id))) {
        this.deps.logger.log("warn", "lost the lease of a run; the worker that took it over resumes it", { runId: run.id });
      }
    } catch (err) {
      // Left leased, a run that breaks the executor would be re-claimed and break it again
      // after every lease period; failing it keeps one bad run from looping forever.
      this.deps.logger.log("error", "run execution failed", { runId: run.id, error: String(err) });
      await this.failRun(run.id, run.flowId, "INTERNAL_ERROR", `the run could not be executed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async failRun(runId: string, flowId: string, code: string, message: string): Promise<void> {
    try {
      await this.deps.store.finishRun({ runId, owner: this.owner, status: "failed", error: { code, message }, now: this.deps.clock.now(), steps: [] });
      this.deps.events.emit({ type: "run.finished", runId, flowId, status: "failed", error: { code, message } });
    } catch (err) {
      this.deps.logger.log("error", "could not mark a broken run failed", { runId, error: String(err) });
    }
  }

  private async renew(): Promise<void> {
    const ids = [...this.active.keys()];
    if (ids.length === 0) return;
    try {
      const kept = new Set(await this.deps.store.renewLeases(this.owner, ids, this.leaseUntil()));
      // A run that just finished is not renewed either; marking it is harmless.
      for (const id of ids) if (!kept.has(id) && this.active.has(id)) this.lost.add(id);
    } catch (err) {
      this.deps.logger.log("warn", "renewing leases failed", { error: String(err) });
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)).unref());
}
