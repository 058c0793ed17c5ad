import type pg from "pg";
import { STEP_ARRAY_TYPES, STEP_COLUMNS, STEP_UPSERT } from "./step-columns.ts";

/** A named statement: pg prepares it once per pooled connection and reuses the plan. */
function statement(name: string, text: string) {
  return (...values: unknown[]): pg.QueryConfig => ({ name: `runnel_${name}`, text, values });
}

export const RUN_COLUMNS = `id, flow_id, flow_version, trigger_node_id, trigger_type, status, created_at, started_at,
  lease_owner, lease_until, available_at, frontier, next_seq, retry_of`;
const FINISHED = "status IN ('succeeded', 'failed', 'canceled')";
const RUN_WITH_FLOW = "SELECT r.*, f.name AS flow_name FROM runs r LEFT JOIN flows f ON f.id = r.flow_id";

export const Q = {
  insertFlow: statement("insert_flow", "INSERT INTO flows (id, name, active, version, doc, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"),
  lockFlow: statement("lock_flow", "SELECT doc, version, created_at, updated_at FROM flows WHERE id = $1 FOR UPDATE"),
  updateFlow: statement("update_flow", "UPDATE flows SET name = $1, active = $2, version = $3, doc = $4, updated_at = $5 WHERE id = $6"),
  insertFlowVersion: statement("insert_flow_version", "INSERT INTO flow_versions (flow_id, version, name, doc, saved_at) VALUES ($1, $2, $3, $4, $5)"),
  getFlow: statement("get_flow", "SELECT doc, version, created_at, updated_at FROM flows WHERE id = $1"),
  getFlowVersion: statement("get_flow_version", "SELECT doc FROM flow_versions WHERE flow_id = $1 AND version = $2"),
  listFlows: statement("list_flows", "SELECT doc, created_at, updated_at FROM flows ORDER BY updated_at DESC, id"),
  listFlowVersions: statement("list_flow_versions", "SELECT version, name, saved_at FROM flow_versions WHERE flow_id = $1 ORDER BY version DESC"),
  deleteFlow: statement("delete_flow", "DELETE FROM flows WHERE id = $1"),

  insertRun: statement("insert_run", `INSERT INTO runs (${RUN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`),
  insertStep: statement(
    "insert_step",
    `INSERT INTO steps (${STEP_COLUMNS}) VALUES (${STEP_ARRAY_TYPES.map((_, i) => `$${i + 1}`).join(", ")}) ${STEP_UPSERT}`,
  ),
  /**
   * Leases due runs (SKIP LOCKED: concurrent claimers never wait or collide). A run that was still
   * `queued` has only the steps its enqueue wrote, visible in this statement's snapshot, so they come
   * along; a re-claimed run's journal is read after this commits (its old owner may have written since).
   */
  claimRuns: statement(
    "claim_runs",
    `UPDATE runs r SET status = 'running', lease_owner = $1, lease_until = $2, started_at = coalesce(r.started_at, $3)
      FROM (SELECT id, status AS was FROM runs WHERE status IN ('queued', 'running') AND available_at <= $3
        AND (lease_until IS NULL OR lease_until < $3) ORDER BY available_at LIMIT $4 FOR UPDATE SKIP LOCKED) due
      WHERE r.id = due.id
      RETURNING r.*, CASE WHEN due.was = 'queued' THEN (SELECT json_agg(s ORDER BY s.seq) FROM steps s WHERE s.run_id = r.id) END AS journal`,
  ),
  stepsOfRuns: statement("steps_of_runs", "SELECT * FROM steps WHERE run_id = ANY($1) ORDER BY run_id, seq"),
  renewLeases: statement("renew_leases", "UPDATE runs SET lease_until = $1 WHERE id = ANY($2) AND lease_owner = $3 AND status = 'running' RETURNING id"),
  parkRun: statement(
    "park_run",
    `UPDATE runs SET frontier = $1, next_seq = $2, available_at = $3, lease_owner = NULL, lease_until = NULL
      WHERE id = $4 AND lease_owner = $5 AND status = 'running'`,
  ),
  releaseRuns: statement("release_runs", "UPDATE runs SET lease_owner = NULL, lease_until = NULL WHERE id = ANY($1) AND lease_owner = $2 AND status = 'running'"),
  cancelRun: statement(
    "cancel_run",
    `UPDATE runs SET status = 'canceled', finished_at = $1, lease_owner = NULL, lease_until = NULL
      WHERE id = $2 AND status IN ('queued', 'running')`,
  ),
  dropPayloads: statement("drop_payloads", "UPDATE steps SET payload = NULL WHERE run_id = $1 AND payload IS NOT NULL"),
  getRunStatus: statement("get_run_status", "SELECT status FROM runs WHERE id = $1"),
  getRun: statement("get_run", `${RUN_WITH_FLOW} WHERE r.id = $1`),
  getSteps: statement("get_steps", "SELECT * FROM steps WHERE run_id = $1 ORDER BY seq"),
  getTriggerOutputs: statement("get_trigger_outputs", "SELECT outputs FROM steps WHERE run_id = $1 AND seq = 1"),

  /** Keeps a live key (replay) or takes over an expired one; returns the run the key names. */
  upsertIdempotency: statement(
    "upsert_idempotency",
    `INSERT INTO idempotency_keys AS k (scope, key, run_id, expires_at) VALUES ($1, $2, $3, $4)
      ON CONFLICT (scope, key) DO UPDATE SET
        run_id = CASE WHEN k.expires_at > $5 THEN k.run_id ELSE EXCLUDED.run_id END,
        expires_at = CASE WHEN k.expires_at > $5 THEN k.expires_at ELSE EXCLUDED.expires_at END
      RETURNING run_id`,
  ),
  getIdempotency: statement("get_idempotency", "SELECT run_id FROM idempotency_keys WHERE scope = $1 AND key = $2 AND expires_at > $3"),

  /** Moves a trigger's tick forward only: an equal or older tick (fired elsewhere already) changes nothing. */
  advanceTriggerTick: statement(
    "advance_trigger_tick",
    `INSERT INTO trigger_ticks AS t (flow_id, node_id, tick, fired_at) VALUES ($1, $2, $3, $4)
      ON CONFLICT (flow_id, node_id) DO UPDATE SET tick = EXCLUDED.tick, fired_at = EXCLUDED.fired_at WHERE EXCLUDED.tick > t.tick`,
  ),
  getTriggerTick: statement("get_trigger_tick", "SELECT tick FROM trigger_ticks WHERE flow_id = $1 AND node_id = $2"),

  /** Retention: one batch of finished runs created before $1 (an id floor), with their steps. */
  pruneOldRuns: statement(
    "prune_old_runs",
    `WITH doomed AS (SELECT id FROM runs WHERE id < $1 AND ${FINISHED} ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED),
      gone AS (DELETE FROM steps WHERE run_id IN (SELECT id FROM doomed))
      DELETE FROM runs WHERE id IN (SELECT id FROM doomed)`,
  ),
  /** Retention: one batch of a flow's finished runs beyond its $2 newest. */
  pruneFlowRuns: statement(
    "prune_flow_runs",
    `WITH boundary AS (SELECT id FROM runs WHERE flow_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2),
      doomed AS (SELECT id FROM runs WHERE flow_id = $1 AND id <= (SELECT id FROM boundary) AND ${FINISHED}
        ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED),
      gone AS (DELETE FROM steps WHERE run_id IN (SELECT id FROM doomed))
      DELETE FROM runs WHERE id IN (SELECT id FROM doomed)`,
  ),
  /** From the counters, not the runs: a handful of rows per flow. */
  flowIdsWithRuns: statement(
    "flow_ids_with_runs",
    "SELECT flow_id FROM run_counts WHERE flow_id > $1 GROUP BY flow_id HAVING sum(n) > 0 ORDER BY flow_id LIMIT $2",
  ),

  notify: statement("notify", "SELECT pg_notify($1, $2)"),
};
