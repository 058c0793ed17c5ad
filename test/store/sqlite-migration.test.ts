import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { SqliteStore } from "../../engine/index.ts";
import { newId } from "../../engine/ids.ts";
import { SQLITE_MIGRATIONS } from "../../engine/store/sqlite/migrations.ts";
import { tempDir } from "../helpers/temp-store.ts";
import { cleanupsAfterEach } from "../helpers/cleanups.ts";

const T0 = Date.UTC(2026, 0, 1);
const cleanups = cleanupsAfterEach();

interface OldRun {
  id: string;
  status: string;
  createdAt: number;
  message: unknown;
  /** Steps after the trigger: node id and what it sent out of `out`. */
  steps: [string, unknown][];
}

/** A database as migration 7 left it (runs and steps keyed by text), holding these runs. */
function databaseAtVersion7(filename: string, runs: OldRun[]): void {
  const db = new Database(filename);
  db.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
  SQLITE_MIGRATIONS.slice(0, 7).forEach((sql, i) => {
    db.exec(sql);
    db.prepare("INSERT INTO schema_migrations VALUES (?, 0)").run(i + 1);
  });
  db.prepare("INSERT INTO flows (id, name, active, version, doc, created_at, updated_at) VALUES ('flw_a', 'Orders', 1, 1, ?, ?, ?)").run(
    JSON.stringify({ id: "flw_a", name: "Orders", active: true, version: 1, nodes: [], edges: [] }),
    T0,
    T0,
  );
  const insertRun = db.prepare(`INSERT INTO runs (id, flow_id, flow_version, trigger_node_id, trigger_type, status, created_at,
    available_at, frontier, next_seq) VALUES (?, 'flw_a', 1, 'w', 'webhook', ?, ?, ?, ?, ?)`);
  const insertStep = db.prepare(`INSERT INTO steps (run_id, seq, node_id, node_type, status, input_ref, outputs, attempts,
    started_at, finished_at) VALUES (?, ?, ?, ?, 'succeeded', ?, ?, 1, ?, ?)`);
  for (const run of runs) {
    const queued = run.status === "queued";
    const frontier = queued ? [{ seq: 2, nodeId: "l", from: { seq: 1, port: "out", index: 0 }, execution: 1 }] : [];
    insertRun.run(run.id, run.status, run.createdAt, run.createdAt, JSON.stringify(frontier), run.steps.length + 2);
    insertStep.run(run.id, 1, "w", "webhook", null, JSON.stringify({ out: [run.message] }), run.createdAt, run.createdAt);
    run.steps.forEach(([nodeId, out], i) => {
      const from = JSON.stringify({ seq: i + 1, port: "out", index: 0 });
      insertStep.run(run.id, i + 2, nodeId, "transform", from, JSON.stringify({ out: [out] }), run.createdAt, run.createdAt);
    });
  }
  db.close();
}

describe("SQLite migration 8 (runs and steps as rowid tables)", () => {
  it("keeps every stored run, step, count and message, and pages the history in the same order", async () => {
    const { dir, remove } = tempDir();
    cleanups.push(remove);
    const filename = path.join(dir, "runnel.db");
    const runs: OldRun[] = [
      { id: newId("run", T0), status: "succeeded", createdAt: T0, message: { body: { id: "A-1" } }, steps: [["t", { order: "A-1" }], ["u", { sent: true }]] },
      { id: newId("run", T0 + 5), status: "failed", createdAt: T0 + 5, message: { body: { id: "B-2" } }, steps: [["t", { order: "B-2" }]] },
      { id: newId("run", T0 + 5), status: "succeeded", createdAt: T0 + 5, message: { body: { id: "C-3" } }, steps: [] },
      { id: newId("run", T0 + 9), status: "queued", createdAt: T0 + 9, message: { body: { id: "D-4" } }, steps: [] },
    ];
    databaseAtVersion7(filename, runs);

    const store = new SqliteStore({ filename, synchronous: "normal" });
    cleanups.push(() => store.close());

    const first = await store.getRun(runs[0]!.id);
    expect(first).toMatchObject({ id: runs[0]!.id, flowName: "Orders", status: "succeeded" });
    expect(first?.steps.map((s) => [s.seq, s.nodeId, s.outputs])).toEqual([
      [1, "w", { out: [{ body: { id: "A-1" } }] }],
      [2, "t", { out: [{ order: "A-1" }] }],
      [3, "u", { out: [{ sent: true }] }],
    ]);
    expect(first?.steps[2]?.input).toEqual({ order: "A-1" });
    expect(await store.getRunMessage(runs[1]!.id)).toEqual({ body: { id: "B-2" } });
    expect(await store.countRuns()).toEqual({ flw_a: { queued: 1, running: 0, succeeded: 2, failed: 1, canceled: 0 } });

    // Page by page, one run at a time: newest first, every run once.
    const served: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listRuns({ limit: 1, cursor });
      served.push(...page.runs.map((r) => r.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(served).toEqual([runs[3]!.id, runs[2]!.id, runs[1]!.id, runs[0]!.id]);
    expect((await store.listRuns({ limit: 10, text: "B-2" })).runs.map((r) => r.id)).toEqual([runs[1]!.id]);

    // The queued run is claimed with its journal and finishes; a new run lands after the old ones.
    const [claimed] = await store.claimRuns("w1", 5, T0 + 60_000, T0 + 10);
    expect(claimed?.run.id).toBe(runs[3]!.id);
    expect(claimed?.steps.map((s) => s.nodeId)).toEqual(["w"]);
    await store.finishRun({ runId: runs[3]!.id, owner: "w1", status: "succeeded", now: T0 + 11, steps: [] });
    const fresh = newId("run", T0 + 20);
    await store.enqueueRun({ id: fresh, flowId: "flw_a", flowVersion: 1, triggerNodeId: "w", triggerType: "webhook", message: { body: { id: "E-5" } }, frontier: [], now: T0 + 20 });
    expect((await store.listRuns({ limit: 2 })).runs.map((r) => r.id)).toEqual([fresh, runs[3]!.id]);
    expect((await store.getRun(fresh))?.steps.map((s) => s.seq)).toEqual([1]);

    // Retention takes a run's steps with it.
    expect(await store.pruneRuns({ createdBefore: T0 + 1 }, 10)).toBe(1);
    expect(await store.getRun(runs[0]!.id)).toBeUndefined();
    const steps = store.db.prepare("SELECT run_id, seq FROM run_steps ORDER BY run_id, seq").all();
    expect(steps).toEqual([
      { run_id: runs[1]!.id, seq: 1 },
      { run_id: runs[1]!.id, seq: 2 },
      { run_id: runs[2]!.id, seq: 1 },
      { run_id: runs[3]!.id, seq: 1 },
      { run_id: fresh, seq: 1 },
    ]);
  });

  it("refuses a cursor that names a run by its text id, as cursors from before the migration did", async () => {
    const { dir, remove } = tempDir();
    cleanups.push(remove);
    const store = new SqliteStore({ filename: path.join(dir, "runnel.db"), synchronous: "normal" });
    cleanups.push(() => store.close());
    await expect(store.listRuns({ limit: 1, cursor: `${T0}:${newId("run", T0)}` })).rejects.toMatchObject({ code: "INVALID_CURSOR" });
  });
});
