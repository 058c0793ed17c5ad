import type { SqliteStore } from "../../engine/index.ts";
import { encodeIdTime } from "../../engine/ids.ts";
import { flow } from "../helpers/flows.ts";

export const FIXTURE_T0 = Date.UTC(2026, 0, 1);
/** Seconds between consecutive generated runs: 1,000,000 runs span about a month. */
const SPACING_MS = 2_600;

export interface RunsFixture {
  flowIds: string[];
  count: number;
  firstAt: number;
  lastAt: number;
}

/** The status mix of a busy installation: mostly green, some red, a few in flight. */
function statusOf(i: number): string {
  const r = i % 1000;
  if (r < 880) return "succeeded";
  if (r < 970) return "failed";
  if (r < 990) return "canceled";
  if (r < 995) return "running";
  return "queued";
}

const TRIGGERS = ["webhook", "webhook", "webhook", "manual", "schedule"] as const;

/**
 * Stores `count` finished-looking runs (each with its trigger step) straight through the SQLite
 * connection in big transactions: the API under test reads them exactly as if workers had written them.
 */
export async function insertRuns(store: SqliteStore, count: number, flowCount = 20): Promise<RunsFixture> {
  const flowIds: string[] = [];
  for (let f = 0; f < flowCount; f++) {
    const saved = await store.createFlow(
      flow(`Bench flow ${f}`, [{ id: "t", type: "webhook", config: { path: `bench-${f}` } }, { id: "l", type: "log" }], ["t->l"], false),
      FIXTURE_T0,
    );
    flowIds.push(saved.id);
  }
  const insertRun = store.db.prepare(`INSERT INTO runs (id, flow_id, flow_version, trigger_node_id, trigger_type, status, error,
    created_at, started_at, finished_at, lease_owner, lease_until, available_at, frontier, next_seq, retry_of)
    VALUES (?, ?, 1, 't', ?, ?, ?, ?, ?, ?, NULL, NULL, ?, '[]', 3, NULL)`);
  const insertStep = store.db.prepare(`INSERT INTO steps (run_id, seq, node_id, node_type, status, input_ref, outputs, error,
    attempts, started_at, finished_at, meta) VALUES (?, 1, 't', ?, 'succeeded', NULL, ?, NULL, 1, ?, ?, NULL)`);
  const failure = JSON.stringify({ code: "HTTP_500", message: "deploy hook answered 500" });
  const batch = store.db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const at = FIXTURE_T0 + i * SPACING_MS;
      // newId's layout (time, then 16 characters) without its per-call random bytes.
      const id = `run_${encodeIdTime(at)}${i.toString(32).padStart(16, "0")}`;
      const status = statusOf(i);
      const trigger = TRIGGERS[i % TRIGGERS.length]!;
      const finished = status === "succeeded" || status === "failed" || status === "canceled";
      // Flows get different shares of the traffic (flow 0 is the busiest).
      const flowId = flowIds[(i * 7 + (i % 3)) % flowCount]!;
      insertRun.run(id, flowId, trigger, status, status === "failed" ? failure : null, at, at, finished ? at + 40 : null, at);
      const message = { body: { ref: "refs/heads/main", user: `user${i % 5000}`, delivery: `d-${i}` } };
      insertStep.run(id, trigger, JSON.stringify({ out: [message] }), at, at);
    }
  });
  // A fixture needs no durability (no journal, no fsync), and building the secondary indexes once
  // after the load is far cheaper than maintaining them row by row; the schema ends up as migrated.
  store.db.pragma("journal_mode = OFF");
  store.db.pragma("synchronous = OFF");
  store.db.pragma("cache_size = -1000000");
  const derived = store.db
    .prepare("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'runs' AND type IN ('index', 'trigger') AND sql IS NOT NULL")
    .all() as { type: string; name: string; sql: string }[];
  for (const item of derived) store.db.exec(`DROP ${item.type.toUpperCase()} ${item.name}`);
  const chunk = 100_000;
  for (let from = 0; from < count; from += chunk) batch.immediate(from, Math.min(count, from + chunk));
  store.db.transaction(() => {
    for (const item of derived) store.db.exec(item.sql);
    store.db.exec("DELETE FROM run_counts");
    store.db.exec("INSERT INTO run_counts (flow_id, status, n) SELECT flow_id, status, count(*) FROM runs GROUP BY flow_id, status");
  }).immediate();
  store.db.pragma("cache_size = -2000");
  store.db.pragma("journal_mode = WAL");
  return { flowIds, count, firstAt: FIXTURE_T0, lastAt: FIXTURE_T0 + (count - 1) * SPACING_MS };
}
