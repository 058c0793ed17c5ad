import type Database from "better-sqlite3";
import type { GroupCommit } from "./group-commit.ts";

/**
 * Counts inserted runs in run_counts (status changes and deletes keep it through triggers). Rows
 * inserted at a commit, as PendingRuns inserts webhook runs, are counted together just before
 * that COMMIT, one upsert per flow and status: the per-row trigger this replaces (migration 10)
 * cost every webhook run an upsert of its own. Counts only ever add up, so a row counted this
 * late and changed meanwhile (a trigger took one from its old status) still sums right.
 */
export class RunCountsOnInsert {
  private readonly add: Database.Statement;
  private batch = new Map<string, { flowId: string; status: string; n: number }>();

  constructor(db: Database.Database, writes: GroupCommit) {
    this.add = db.prepare(`INSERT INTO run_counts (flow_id, status, n) VALUES (?, ?, ?)
      ON CONFLICT (flow_id, status) DO UPDATE SET n = n + excluded.n`);
    writes.beforeCommit(() => this.flush());
  }

  /** Counts a row inserted by a write that may still roll back (its savepoint takes this back too). */
  now(flowId: string, status: string): void {
    this.add.run(flowId, status, 1);
  }

  /** Counts a row inserted while the batch commits, with the others of that commit. */
  atCommit(flowId: string, status: string): void {
    const key = `${flowId}\u0000${status}`;
    const entry = this.batch.get(key);
    if (entry) entry.n++;
    else this.batch.set(key, { flowId, status, n: 1 });
  }

  private flush(): void {
    if (this.batch.size === 0) return;
    // Taken first: if the commit then fails, the rows it counted are rolled back with it.
    const batch = this.batch;
    this.batch = new Map();
    for (const { flowId, status, n } of batch.values()) this.add.run(flowId, status, n);
  }
}
