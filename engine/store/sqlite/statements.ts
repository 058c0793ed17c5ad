import type Database from "better-sqlite3";
import { firstStepKeySql, SEQ_OF_KEY_SQL, stepsOfRunSql } from "./step-keys.ts";

const STEP_COLUMNS = `${SEQ_OF_KEY_SQL} AS seq, node_id, node_type, status, input_ref, outputs, error, attempts, started_at, finished_at, meta, payload, passed`;
/** Runs a worker may claim at `?` (twice): queued or orphaned (lease expired), and due. */
const CLAIMABLE = "status IN ('queued', 'running') AND available_at <= ? AND (lease_until IS NULL OR lease_until < ?)";
/** The steps of the run with text id `?`, as a key range (pass the id twice). */
const STEPS_OF_RUN = stepsOfRunSql("SELECT num FROM runs WHERE id = ?");

/** Every hot statement is prepared once per connection (preparing per call cost ~35%). */
export function prepareStatements(db: Database.Database) {
  const p = (sql: string) => db.prepare(sql);
  return {
    insertFlow: p("INSERT INTO flows (id, name, active, version, doc, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"),
    updateFlow: p("UPDATE flows SET name = ?, active = ?, version = ?, doc = ?, updated_at = ? WHERE id = ?"),
    insertFlowVersion: p("INSERT INTO flow_versions (flow_id, version, name, doc, saved_at) VALUES (?, ?, ?, ?, ?)"),
    getFlow: p("SELECT doc, version, created_at, updated_at FROM flows WHERE id = ?"),
    getFlowVersion: p("SELECT doc FROM flow_versions WHERE flow_id = ? AND version = ?"),
    listFlows: p("SELECT doc, created_at, updated_at FROM flows ORDER BY updated_at DESC, id"),
    listFlowVersions: p("SELECT version, name, saved_at FROM flow_versions WHERE flow_id = ? ORDER BY version DESC"),
    deleteFlow: p("DELETE FROM flows WHERE id = ?"),

    insertRun: p(`INSERT INTO runs (id, flow_id, flow_version, trigger_node_id, trigger_type, status, error, created_at,
      started_at, finished_at, lease_owner, lease_until, available_at, frontier, next_seq, retry_of)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    insertStep: p(`INSERT OR REPLACE INTO steps (key, node_id, node_type, status, input_ref, outputs, error,
      attempts, started_at, finished_at, meta, payload, passed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    dropPayloads: p(`UPDATE steps SET payload = NULL WHERE ${STEPS_OF_RUN} AND payload IS NOT NULL`),
    claimRuns: p(`UPDATE runs SET status = 'running', lease_owner = ?, lease_until = ?, started_at = coalesce(started_at, ?)
      WHERE num IN (SELECT num FROM runs INDEXED BY runs_pending WHERE ${CLAIMABLE} ORDER BY available_at LIMIT ?)
      RETURNING *`),
    anyClaimable: p(`SELECT 1 FROM runs INDEXED BY runs_pending WHERE ${CLAIMABLE} LIMIT 1`),
    renewLease: p("UPDATE runs SET lease_until = ? WHERE id = ? AND lease_owner = ? AND status = 'running'"),
    updateFrontier: p("UPDATE runs SET frontier = ?, next_seq = ? WHERE id = ? AND lease_owner = ? AND status = 'running' RETURNING num"),
    parkRun: p(`UPDATE runs SET frontier = ?, next_seq = ?, available_at = ?, lease_owner = NULL, lease_until = NULL
      WHERE id = ? AND lease_owner = ? AND status = 'running'`),
    finishRun: p(`UPDATE runs SET status = ?, error = ?, finished_at = ?, lease_owner = NULL, lease_until = NULL, frontier = '[]'
      WHERE id = ? AND lease_owner = ? AND status = 'running' RETURNING num`),
    releaseRun: p("UPDATE runs SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ? AND status = 'running'"),
    cancelRun: p(`UPDATE runs SET status = 'canceled', finished_at = ?, lease_owner = NULL, lease_until = NULL
      WHERE id = ? AND status IN ('queued', 'running')`),
    getRunStatus: p("SELECT status FROM runs WHERE id = ?"),
    getRun: p("SELECT r.*, f.name AS flow_name FROM runs r LEFT JOIN flows f ON f.id = r.flow_id WHERE r.id = ?"),
    getSteps: p(`SELECT ${STEP_COLUMNS} FROM steps WHERE ${STEPS_OF_RUN} ORDER BY key`),
    deleteStepsOfNum: p(`DELETE FROM steps WHERE ${stepsOfRunSql("?")}`),
    deleteRunOfNum: p("DELETE FROM runs WHERE num = ?"),
    getStepsOfNum: p(`SELECT ${STEP_COLUMNS} FROM steps WHERE ${stepsOfRunSql("?")} ORDER BY key`),
    getTriggerOutputs: p(`SELECT outputs FROM steps WHERE key = ${firstStepKeySql("SELECT num FROM runs WHERE id = ?")} + 1`),

    getIdempotency: p("SELECT run_id FROM idempotency_keys WHERE scope = ? AND key = ? AND expires_at > ?"),
    putIdempotency: p("INSERT OR REPLACE INTO idempotency_keys (scope, key, run_id, expires_at) VALUES (?, ?, ?, ?)"),

    advanceTriggerTick: p(`INSERT INTO trigger_ticks (flow_id, node_id, tick, fired_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (flow_id, node_id) DO UPDATE SET tick = excluded.tick, fired_at = excluded.fired_at
      WHERE excluded.tick > trigger_ticks.tick`),
    getTriggerTick: p("SELECT tick FROM trigger_ticks WHERE flow_id = ? AND node_id = ?"),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
