import type pg from "pg";
import type { DedupeClaim, DedupeKeyState, DedupeOutcome } from "../types.ts";
import { Batcher } from "./batcher.ts";
import { storedKey } from "./text.ts";

/** Rows deleted per transaction when a whole scope is cleared, so ingest keeps flowing. */
const SCOPE_DELETE_BATCH = 5_000;

const statement = (name: string, text: string) => (...values: unknown[]): pg.QueryConfig => ({ name: `runnel_${name}`, text, values });
// The claim's own time is the row's first_seen_at (EXCLUDED), so each key is judged at its claim's now.
const EXPIRED = "d.expires_at <= EXCLUDED.first_seen_at";

const Q = {
  /**
   * The first claim wins through the primary key; an expired key is taken over (by anyone); a
   * live one is kept. Returns the holder, so the caller tells first from duplicate.
   */
  /**
   * Claims many keys (distinct within a batch) at once. The first claim wins through the primary
   * key; an expired key is taken over (by anyone); a live one is kept. Returns each holder, so
   * the caller tells first from duplicate.
   */
  claim: statement(
    "dedupe_claim_batch",
    `INSERT INTO dedupe_keys AS d (scope, key, run_id, execution, first_seen_at, expires_at, release_on_failure)
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[], $6::int8[], $7::boolean[])
      ON CONFLICT (scope, key) DO UPDATE SET
        run_id = CASE WHEN ${EXPIRED} THEN EXCLUDED.run_id ELSE d.run_id END,
        execution = CASE WHEN ${EXPIRED} THEN EXCLUDED.execution ELSE d.execution END,
        first_seen_at = CASE WHEN ${EXPIRED} THEN EXCLUDED.first_seen_at ELSE d.first_seen_at END,
        expires_at = CASE WHEN ${EXPIRED} THEN EXCLUDED.expires_at ELSE d.expires_at END,
        release_on_failure = CASE WHEN ${EXPIRED} THEN EXCLUDED.release_on_failure ELSE d.release_on_failure END
      RETURNING scope, key, run_id, execution, first_seen_at`,
  ),
  get: statement(
    "dedupe_get",
    `SELECT run_id, first_seen_at, expires_at, release_on_failure FROM dedupe_keys
      WHERE scope = $1 AND key = $2 AND (expires_at IS NULL OR expires_at > $3)`,
  ),
  deleteKey: statement("dedupe_delete_key", "DELETE FROM dedupe_keys WHERE scope = $1 AND key = $2"),
  deleteScopeBatch: statement(
    "dedupe_delete_scope_batch",
    "DELETE FROM dedupe_keys WHERE (scope, key) IN (SELECT scope, key FROM dedupe_keys WHERE scope = $1 LIMIT $2 FOR UPDATE SKIP LOCKED)",
  ),
  /** Every process prunes; SKIP LOCKED keeps them from queueing behind one another. */
  prune: statement(
    "dedupe_prune",
    `WITH d AS (DELETE FROM dedupe_keys WHERE (scope, key) IN (SELECT scope, key FROM dedupe_keys
        WHERE expires_at IS NOT NULL AND expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING 1),
      i AS (DELETE FROM idempotency_keys WHERE (scope, key) IN (SELECT scope, key FROM idempotency_keys
        WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING 1)
      SELECT (SELECT count(*) FROM d) + (SELECT count(*) FROM i) AS n`,
  ),
};

/** Dedupe and ingress-idempotency key operations of the PostgreSQL store (see Store for the contract). */
export class PgDedupeKeys {
  /** Concurrent claims (a busy worker's dedupe nodes) share one statement and one commit. */
  private readonly claims: Batcher<DedupeClaim, DedupeOutcome>;

  constructor(private readonly pool: pg.Pool) {
    this.claims = new Batcher((batch) => this.claimAll(batch), { maxInFlight: 2, maxBatch: 200, key: (c) => `${storedKey(c.scope)}\u0000${storedKey(c.key)}` });
  }

  private async claimAll(batch: DedupeClaim[]): Promise<DedupeOutcome[]> {
    const columns: unknown[][] = [[], [], [], [], [], [], []];
    for (const c of batch) {
      [storedKey(c.scope), storedKey(c.key), c.runId, c.execution ?? "", c.now, c.expiresAt, c.releaseOnFailure !== false].forEach((v, i) => columns[i]!.push(v));
    }
    type Holder = { scope: string; key: string; run_id: string; execution: string; first_seen_at: number };
    const { rows } = await this.pool.query<Holder>(Q.claim(...columns));
    const holders = new Map(rows.map((r) => [`${r.scope}\u0000${r.key}`, r]));
    return batch.map((c) => {
      const holder = holders.get(`${storedKey(c.scope)}\u0000${storedKey(c.key)}`)!;
      if (holder.run_id === c.runId && holder.execution === (c.execution ?? "")) return { first: true };
      return { first: false, firstRunId: holder.run_id, firstSeenAt: holder.first_seen_at };
    });
  }

  claim(claim: DedupeClaim): Promise<DedupeOutcome> {
    return this.claims.submit(claim);
  }

  async get(scope: string, key: string, now: number): Promise<DedupeKeyState | undefined> {
    type Row = { run_id: string; first_seen_at: number; expires_at: number | null; release_on_failure: boolean };
    const row = (await this.pool.query<Row>(Q.get(storedKey(scope), storedKey(key), now))).rows[0];
    if (!row) return undefined;
    return { scope, key, runId: row.run_id, firstSeenAt: row.first_seen_at, expiresAt: row.expires_at, releaseOnFailure: row.release_on_failure };
  }

  async delete(scope: string, key?: string): Promise<number> {
    if (key !== undefined) return (await this.pool.query(Q.deleteKey(storedKey(scope), storedKey(key)))).rowCount ?? 0;
    let total = 0;
    for (;;) {
      const removed = (await this.pool.query(Q.deleteScopeBatch(storedKey(scope), SCOPE_DELETE_BATCH))).rowCount ?? 0;
      total += removed;
      if (removed < SCOPE_DELETE_BATCH) return total;
    }
  }

  async prune(now: number, limit: number): Promise<number> {
    return (await this.pool.query<{ n: number }>(Q.prune(now, limit))).rows[0]!.n;
  }
}
