import type Database from "better-sqlite3";
import type { CrashHook } from "../../runtime/crash-points.ts";

interface Pending {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export interface GroupCommitOptions {
  /**
   * Under load (the previous batch was shared by several writers and committed moments ago) a
   * new batch waits this long for company before it commits. A lone writer, even one chaining
   * many writes, commits on the next turn and waits for nothing. 0 = always the next turn.
   */
  windowMs?: number;
  /** false = every write is its own transaction and fsync (the benchmark baseline). */
  enabled?: boolean;
  crash?: CrashHook;
}

/**
 * Group commit: writes queued within one turn of the event loop (or one short window under
 * load) share one transaction and so one fsync. Each write runs in its own savepoint, so one
 * failing write (a version conflict, a lost lease) rolls back alone and the others commit.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  private lastCommitAt = -Infinity;
  private lastBatchSize = 0;
  private readonly windowMs: number;
  private readonly enabled: boolean;
  private readonly crash?: CrashHook;
  private readonly begin: Database.Statement;
  private readonly commit: Database.Statement;
  private readonly rollback: Database.Statement;
  private readonly savepoint: Database.Statement;
  private readonly release: Database.Statement;
  private readonly rollbackTo: Database.Statement;
  batches = 0;
  writes = 0;

  constructor(
    private readonly db: Database.Database,
    options: GroupCommitOptions = {},
  ) {
    this.windowMs = options.windowMs ?? 1;
    this.enabled = options.enabled ?? true;
    this.crash = options.crash;
    this.begin = db.prepare("BEGIN IMMEDIATE");
    this.commit = db.prepare("COMMIT");
    this.rollback = db.prepare("ROLLBACK");
    this.savepoint = db.prepare("SAVEPOINT w");
    this.release = db.prepare("RELEASE w");
    this.rollbackTo = db.prepare("ROLLBACK TO w");
  }

  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        const underLoad =
          this.windowMs > 0 && this.lastBatchSize > 1 && performance.now() - this.lastCommitAt < this.windowMs * 2;
        if (underLoad) setTimeout(() => this.flush(), this.windowMs);
        else setImmediate(() => this.flush());
      }
    });
  }

  /** Commits everything queued so far (one transaction, or one per write when disabled). */
  flush(): void {
    this.scheduled = false;
    const queued = this.queue;
    if (queued.length === 0) return;
    this.queue = [];
    if (this.enabled) this.commitBatch(queued);
    else for (const item of queued) this.commitBatch([item]);
    this.lastCommitAt = performance.now();
    this.lastBatchSize = queued.length;
  }

  private commitBatch(batch: Pending[]): void {
    const results: { ok: boolean; value: unknown }[] = [];
    try {
      this.begin.run();
      for (const item of batch) {
        this.savepoint.run();
        try {
          const value = item.work();
          this.release.run();
          results.push({ ok: true, value });
        } catch (error) {
          this.rollbackTo.run();
          this.release.run();
          results.push({ ok: false, value: error });
        }
      }
      this.crash?.("commit.before");
      this.commit.run();
      this.crash?.("commit.after");
    } catch (error) {
      if (this.db.inTransaction) this.rollback.run();
      for (const item of batch) item.reject(error);
      return;
    }
    this.batches++;
    this.writes += batch.length;
    batch.forEach((item, i) => {
      const result = results[i]!;
      if (result.ok) item.resolve(result.value);
      else item.reject(result.value);
    });
  }
}
