import type Database from "better-sqlite3";
import type { CrashHook } from "../../runtime/crash-points.ts";
import type { PruneRule } from "../types.ts";
import type { GroupCommit } from "./group-commit.ts";
import type { Statements } from "./statements.ts";

const FINISHED = "status IN ('succeeded', 'failed', 'canceled')";

/**
 * Retention's statements. Each call deletes one small batch inside the caller's (group-commit)
 * transaction, and every lookup walks an index, so a batch is a short write at any table size.
 */
function prepareRetention(db: Database.Database, sql: Statements) {
  // Ordered like the history indexes, (created_at, num), so each lookup walks an index from its
  // start. (Ordered otherwise, SQLite sorted every run of the flow, or every finished run, in a
  // temporary B-tree for each batch: a pass over a 100,000-run flow kept a core busy for minutes.)
  const oldRuns = db.prepare(`SELECT num FROM runs INDEXED BY runs_newest WHERE created_at < ? AND ${FINISHED}
    ORDER BY created_at, num LIMIT ?`);
  const newestToDrop = db.prepare(`SELECT created_at, num FROM runs INDEXED BY runs_by_flow_time WHERE flow_id = ?
    ORDER BY created_at DESC, num DESC LIMIT 1 OFFSET ?`);
  const flowRunsUpTo = db.prepare(`SELECT num FROM runs INDEXED BY runs_by_flow_time WHERE flow_id = ? AND (created_at, num) <= (?, ?)
    AND ${FINISHED} ORDER BY created_at, num LIMIT ?`);
  const flowIds = db.prepare("SELECT DISTINCT flow_id FROM runs WHERE flow_id > ? ORDER BY flow_id LIMIT ?").pluck();

  return {
    /** Deletes one batch of finished runs (steps first); returns how many. */
    pruneRuns(rule: PruneRule, limit: number): number {
      let runs: { num: number }[];
      if ("createdBefore" in rule) {
        runs = oldRuns.all(rule.createdBefore, limit) as typeof runs;
      } else {
        const boundary = newestToDrop.get(rule.flowId, rule.keepNewest) as { created_at: number; num: number } | undefined;
        runs = boundary === undefined ? [] : (flowRunsUpTo.all(rule.flowId, boundary.created_at, boundary.num, limit) as typeof runs);
      }
      for (const { num } of runs) {
        sql.deleteStepsOfNum.run(num, num);
        sql.deleteRunOfNum.run(num);
      }
      return runs.length;
    },
    flowIdsWithRuns(after: string | undefined, limit: number): string[] {
      return flowIds.all(after ?? "", limit) as string[];
    },
  };
}

type RetentionStatements = ReturnType<typeof prepareRetention>;

/** SqliteStore's retention operations: each batch one short write through the group commit. */
export class SqliteRetention {
  private readonly sql: RetentionStatements;

  constructor(
    db: Database.Database,
    statements: Statements,
    private readonly writes: GroupCommit,
    private readonly crash?: CrashHook,
  ) {
    this.sql = prepareRetention(db, statements);
  }

  prune(rule: PruneRule, limit: number): Promise<number> {
    return this.writes.run(() => {
      const deleted = this.sql.pruneRuns(rule, limit);
      if (deleted > 0) this.crash?.("retention.batch");
      return deleted;
    });
  }

  async flowIdsWithRuns(after: string | undefined, limit: number): Promise<string[]> {
    return this.sql.flowIdsWithRuns(after, limit);
  }
}
