import type Database from "better-sqlite3";
import { claimedDedupeKeys } from "../journal.ts";
import type { DedupeClaim, DedupeKeyState, DedupeOutcome, StepRecord } from "../types.ts";
import type { GroupCommit } from "./group-commit.ts";
import { stepsOfRunSql } from "./step-keys.ts";

/** Rows deleted per transaction when a whole scope is cleared, so ingest keeps flowing. */
const SCOPE_DELETE_BATCH = 5_000;

interface DedupeRow {
  run_id: string;
  execution: string;
  first_seen_at: number;
  expires_at: number | null;
  release_on_failure: number;
}

function prepare(db: Database.Database) {
  const p = (sql: string) => db.prepare(sql);
  return {
    get: p("SELECT run_id, execution, first_seen_at, expires_at, release_on_failure FROM dedupe_keys WHERE scope = ? AND key = ?"),
    put: p(`INSERT OR REPLACE INTO dedupe_keys (scope, key, run_id, execution, first_seen_at, expires_at, release_on_failure)
      VALUES (?, ?, ?, ?, ?, ?, ?)`),
    releaseFailed: p("DELETE FROM dedupe_keys WHERE scope = ? AND key = ? AND run_id = ? AND release_on_failure = 1"),
    // A run's dedupe steps: there is no index of keys by run (migration 9), which cost every claim a B-tree insert.
    dedupeSteps: p(`SELECT s.node_type AS nodeType, s.meta FROM runs r JOIN steps s ON ${stepsOfRunSql("r.num", "s.key")}
      WHERE r.id = ? AND s.node_type = 'dedupe'`),
    deleteKey: p("DELETE FROM dedupe_keys WHERE scope = ? AND key = ?"),
    deleteScopeBatch: p(`DELETE FROM dedupe_keys WHERE (scope, key) IN
      (SELECT scope, key FROM dedupe_keys WHERE scope = ? LIMIT ?)`),
    pruneDedupe: p(`DELETE FROM dedupe_keys WHERE (scope, key) IN
      (SELECT scope, key FROM dedupe_keys WHERE expires_at IS NOT NULL AND expires_at <= ? LIMIT ?)`),
    pruneIdempotency: p(`DELETE FROM idempotency_keys WHERE (scope, key) IN
      (SELECT scope, key FROM idempotency_keys WHERE expires_at <= ? LIMIT ?)`),
  };
}

const isLive = (row: DedupeRow, now: number) => row.expires_at === null || row.expires_at > now;

/** Dedupe and ingress-idempotency key operations of the SQLite store. */
export class SqliteDedupeKeys {
  private readonly sql: ReturnType<typeof prepare>;

  constructor(db: Database.Database, private readonly writes: GroupCommit) {
    this.sql = prepare(db);
  }

  claim(claim: DedupeClaim): Promise<DedupeOutcome> {
    return this.claimEarly(claim).durable;
  }

  /** Decided in the open transaction at once; durable with its commit. */
  claimEarly(claim: DedupeClaim): { outcome: Promise<DedupeOutcome>; durable: Promise<DedupeOutcome> } {
    const execution = claim.execution ?? "";
    const { applied, durable } = this.writes.apply((): DedupeOutcome => {
      const row = this.sql.get.get(claim.scope, claim.key) as DedupeRow | undefined;
      if (row && isLive(row, claim.now)) {
        if (row.run_id === claim.runId && row.execution === execution) return { first: true };
        return { first: false, firstRunId: row.run_id, firstSeenAt: row.first_seen_at };
      }
      const release = claim.releaseOnFailure === false ? 0 : 1;
      this.sql.put.run(claim.scope, claim.key, claim.runId, execution, claim.now, claim.expiresAt, release);
      return { first: true };
    }, { companion: true, atomic: true });
    return { outcome: applied, durable };
  }

  /**
   * Frees the keys a failed run's dedupe steps claimed (inside finishRun's transaction): those in
   * `journal` when given (a run whose row is not inserted yet), else those of its stored steps.
   */
  releaseFailedRun(runId: string, journal?: Iterable<StepRecord>): void {
    const steps = journal ?? (this.sql.dedupeSteps.all(runId) as { nodeType: string; meta: string | null }[]).map((row) => ({
      nodeType: row.nodeType,
      meta: row.meta === null ? undefined : (JSON.parse(row.meta) as Record<string, unknown>),
    }));
    for (const { scope, key } of claimedDedupeKeys(steps)) this.sql.releaseFailed.run(scope, key, runId);
  }

  async get(scope: string, key: string, now: number): Promise<DedupeKeyState | undefined> {
    const row = this.sql.get.get(scope, key) as DedupeRow | undefined;
    if (!row || !isLive(row, now)) return undefined;
    return {
      scope,
      key,
      runId: row.run_id,
      firstSeenAt: row.first_seen_at,
      expiresAt: row.expires_at,
      releaseOnFailure: row.release_on_failure === 1,
    };
  }

  async delete(scope: string, key?: string): Promise<number> {
    if (key !== undefined) return this.writes.run(() => this.sql.deleteKey.run(scope, key).changes);
    let total = 0;
    for (;;) {
      const removed = await this.writes.run(() => this.sql.deleteScopeBatch.run(scope, SCOPE_DELETE_BATCH).changes);
      total += removed;
      if (removed < SCOPE_DELETE_BATCH) return total;
    }
  }

  prune(now: number, limit: number): Promise<number> {
    return this.writes.run(() => this.sql.pruneDedupe.run(now, limit).changes + this.sql.pruneIdempotency.run(now, limit).changes);
  }
}
