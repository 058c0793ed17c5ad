import type pg from "pg";
import { quoteIdent } from "./connection.ts";

/**
 * Append-only: never edit a shipped migration, add a new one. Times are ms since the epoch
 * (bigint) like the SQLite store; ids use the "C" collation so ORDER BY id sorts by time
 * exactly as cursors compare them; documents are JSON text, stored as written.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE flows (
    id text COLLATE "C" PRIMARY KEY,
    name text NOT NULL,
    active boolean NOT NULL,
    version integer NOT NULL,
    doc text NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
  );
  CREATE TABLE flow_versions (
    flow_id text COLLATE "C" NOT NULL,
    version integer NOT NULL,
    name text NOT NULL,
    doc text NOT NULL,
    saved_at bigint NOT NULL,
    PRIMARY KEY (flow_id, version)
  );
  CREATE TABLE runs (
    id text COLLATE "C" PRIMARY KEY,
    flow_id text COLLATE "C" NOT NULL,
    flow_version integer NOT NULL,
    trigger_node_id text NOT NULL,
    trigger_type text NOT NULL,
    status text NOT NULL,
    error text,
    created_at bigint NOT NULL,
    started_at bigint,
    finished_at bigint,
    lease_owner text,
    lease_until bigint,
    available_at bigint NOT NULL,
    frontier text NOT NULL,
    next_seq integer NOT NULL,
    retry_of text
  );
  CREATE INDEX runs_pending ON runs (available_at) WHERE status IN ('queued', 'running');
  CREATE INDEX runs_by_flow ON runs (flow_id, id);
  CREATE INDEX runs_by_status ON runs (status, id);
  CREATE TABLE steps (
    run_id text COLLATE "C" NOT NULL,
    seq integer NOT NULL,
    node_id text NOT NULL,
    node_type text NOT NULL,
    status text NOT NULL,
    input_ref text,
    outputs text NOT NULL,
    error text,
    attempts integer NOT NULL,
    started_at bigint NOT NULL,
    finished_at bigint NOT NULL,
    meta text,
    PRIMARY KEY (run_id, seq)
  );
  CREATE TABLE idempotency_keys (
    scope text NOT NULL,
    key text NOT NULL,
    run_id text NOT NULL,
    expires_at bigint NOT NULL,
    PRIMARY KEY (scope, key)
  );
  CREATE TABLE dedupe_keys (
    scope text NOT NULL,
    key text NOT NULL,
    run_id text NOT NULL,
    first_seen_at bigint NOT NULL,
    expires_at bigint,
    PRIMARY KEY (scope, key)
  );
  CREATE INDEX dedupe_by_run ON dedupe_keys (run_id);
  CREATE INDEX dedupe_by_expiry ON dedupe_keys (expires_at) WHERE expires_at IS NOT NULL;
  -- Cross-process messages too large for one NOTIFY payload; the notification carries the id.
  CREATE TABLE relay_spill (
    id bigserial PRIMARY KEY,
    payload text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE INDEX relay_spill_by_age ON relay_spill (created_at);
  `,
  // 2: the last fired tick per time-based trigger node (schedule, poll); see Store.fireTrigger.
  `
  CREATE TABLE trigger_ticks (
    flow_id text COLLATE "C" NOT NULL,
    node_id text NOT NULL,
    tick bigint NOT NULL,
    fired_at bigint NOT NULL,
    PRIMARY KEY (flow_id, node_id)
  );
  `,
  // 3: dedupe keys remember which node execution claimed them and whether a failure frees them;
  // ingress idempotency keys get an expiry index so pruning them is a range scan.
  `
  ALTER TABLE dedupe_keys ADD COLUMN execution text NOT NULL DEFAULT '';
  ALTER TABLE dedupe_keys ADD COLUMN release_on_failure boolean NOT NULL DEFAULT true;
  CREATE INDEX idempotency_by_expiry ON idempotency_keys (expires_at);
  `,
  // 4: credentials: encrypted data only (AES-256-GCM blob bound to the id); see CredentialService.
  `
  CREATE TABLE credentials (
    id text COLLATE "C" PRIMARY KEY,
    name text NOT NULL,
    type text NOT NULL,
    encrypted text NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
  );
  `,
  // 5: run history. Listing is newest first by (created_at, id) so time ranges are index ranges
  // under any filter. Counts per flow and status are kept by statement triggers in counters
  // sharded by backend (pg_backend_pid() % 16): concurrent transactions from different
  // connections rarely touch the same counter row, and each statement takes its counter rows in
  // sorted order, so they never deadlock. Reading sums the shards and never scans the runs.
  `
  DROP INDEX runs_by_flow;
  DROP INDEX runs_by_status;
  CREATE INDEX runs_newest ON runs (created_at, id);
  CREATE INDEX runs_by_flow_time ON runs (flow_id, created_at, id);
  CREATE INDEX runs_by_status_time ON runs (status, created_at, id);
  CREATE INDEX runs_by_flow_status_time ON runs (flow_id, status, created_at, id);
  CREATE INDEX runs_by_trigger_time ON runs (trigger_type, created_at, id);
  CREATE TABLE run_counts (
    flow_id text COLLATE "C" NOT NULL,
    status text NOT NULL,
    shard int NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (flow_id, status, shard)
  );
  INSERT INTO run_counts (flow_id, status, shard, n) SELECT flow_id, status, 0, count(*) FROM runs GROUP BY flow_id, status;
  CREATE FUNCTION runnel_count_runs() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN
    IF TG_OP = 'INSERT' THEN
      INSERT INTO run_counts AS c (flow_id, status, shard, n)
        SELECT flow_id, status, pg_backend_pid() % 16, count(*) FROM new_rows GROUP BY flow_id, status ORDER BY flow_id, status
        ON CONFLICT (flow_id, status, shard) DO UPDATE SET n = c.n + EXCLUDED.n;
    ELSIF TG_OP = 'DELETE' THEN
      INSERT INTO run_counts AS c (flow_id, status, shard, n)
        SELECT flow_id, status, pg_backend_pid() % 16, -count(*) FROM old_rows GROUP BY flow_id, status ORDER BY flow_id, status
        ON CONFLICT (flow_id, status, shard) DO UPDATE SET n = c.n + EXCLUDED.n;
    ELSE
      INSERT INTO run_counts AS c (flow_id, status, shard, n)
        SELECT flow_id, status, pg_backend_pid() % 16, sum(delta) FROM (
          SELECT o.flow_id, o.status, -1 AS delta FROM old_rows o JOIN new_rows w ON w.id = o.id WHERE w.status <> o.status
          UNION ALL
          SELECT w.flow_id, w.status, 1 AS delta FROM old_rows o JOIN new_rows w ON w.id = o.id WHERE w.status <> o.status
        ) changed GROUP BY flow_id, status HAVING sum(delta) <> 0 ORDER BY flow_id, status
        ON CONFLICT (flow_id, status, shard) DO UPDATE SET n = c.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
  END
  $fn$;
  CREATE TRIGGER run_counts_insert AFTER INSERT ON runs REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION runnel_count_runs();
  CREATE TRIGGER run_counts_update AFTER UPDATE ON runs REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION runnel_count_runs();
  CREATE TRIGGER run_counts_delete AFTER DELETE ON runs REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION runnel_count_runs();
  `,
  // 6: full outputs of steps whose log entry was truncated, kept until the run ends (a resume
  // needs them; see StepRecord.payload); retention walks a flow's runs by id.
  `
  ALTER TABLE steps ADD COLUMN payload text;
  CREATE INDEX runs_by_flow_id ON runs (flow_id, id);
  `,
  // 7: outputs that are the step's input passed on (StepRecord.passed) are stored once, as the
  // parent's output; this lists where they go back.
  `
  ALTER TABLE steps ADD COLUMN passed text;
  `,
];

/**
 * Applies pending migrations under a session advisory lock, so processes starting together
 * queue up instead of racing; each migration and its record commit in one transaction.
 */
export async function migrate(pool: pg.Pool, schema: string | undefined): Promise<void> {
  const client = await pool.connect();
  try {
    const lockKey = `runnel:migrate:${schema ?? ""}`;
    await client.query("SELECT pg_advisory_lock(hashtext($1))", [lockKey]);
    try {
      if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
      await client.query("CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at bigint NOT NULL)");
      const { rows } = await client.query<{ v: number | null }>("SELECT max(version) AS v FROM schema_migrations");
      const applied = rows[0]?.v ?? 0;
      for (const [index, sql] of POSTGRES_MIGRATIONS.entries()) {
        const version = index + 1;
        if (version <= applied) continue;
        await client.query("BEGIN");
        try {
          await client.query(sql);
          await client.query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)", [version, Date.now()]);
          await client.query("COMMIT");
        } catch (err) {
          await client.query("ROLLBACK");
          throw new Error(`PostgreSQL migration ${version} failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    } finally {
      // A session that died releases its advisory locks by itself.
      await client.query("SELECT pg_advisory_unlock(hashtext($1))", [lockKey]).catch(() => undefined);
    }
  } finally {
    client.release();
  }
}
