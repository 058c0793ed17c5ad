import type Database from "better-sqlite3";
import type { DedupeClaim, DedupeKeyState, DedupeOutcome } from "../types.ts";
import type { GroupCommit } from "./group-commit.ts";

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
    releaseRun: p("DELETE FROM dedupe_keys WHERE run_id = ?"),
    releaseFailedRun: p("DELETE FROM dedupe_keys WHERE run_id = ? AND release_on_failure = 1"),
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

  /** Runs inside finishRun's transaction. */
  releaseFailedRun(runId: string): void {
    this.sql.releaseFailedRun.run(runId);
  }

  releaseRun(runId: string): Promise<void> {
    return this.writes.run(() => void this.sql.releaseRun.run(runId));
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
