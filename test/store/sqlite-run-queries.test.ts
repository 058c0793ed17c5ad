import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { SqliteStore, type RunQuery } from "../../engine/index.ts";
import type { Run } from "../../engine/model/run.ts";
import { newId } from "../../engine/ids.ts";
import { SQLITE_MIGRATIONS } from "../../engine/store/sqlite/migrations.ts";
import { prepareStatements } from "../../engine/store/sqlite/statements.ts";
import { flow } from "../helpers/flows.ts";
import { tempDir } from "../helpers/temp-store.ts";
import { cleanupsAfterEach } from "../helpers/cleanups.ts";

const T0 = Date.UTC(2026, 0, 1);
const sample = flow("S", [{ id: "w", type: "webhook", config: { path: "s" } }, { id: "l", type: "log" }], ["w->l"]);
const cleanups = cleanupsAfterEach();

function openStore(options: { scanBudget?: number } = {}) {
  const { dir, remove } = tempDir();
  const filename = path.join(dir, "runnel.db");
  const store = new SqliteStore({ filename, synchronous: "normal", ...options });
  cleanups.push(remove, () => store.close());
  return { store, filename };
}

function run(flowId: string, now: number, message: unknown) {
  return { id: newId("run", now), flowId, flowVersion: 1, triggerNodeId: "w", triggerType: "webhook", message: message as never, frontier: [], now };
}

/** Every page of a listing, following nextCursor to the end. */
async function allPages(store: SqliteStore, query: RunQuery): Promise<Run[][]> {
  const pages: Run[][] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listRuns({ ...query, cursor });
    pages.push(page.runs);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return pages;
}

describe("SQLite run history", () => {
  it("bounds the work of a text search per page and resumes it through the cursor", async () => {
    const { store } = openStore({ scanBudget: 5 });
    const f = await store.createFlow(sample, T0);
    const hits: string[] = [];
    for (let i = 0; i < 40; i++) {
      const { runId } = await store.enqueueRun(run(f.id, T0 + i, { tag: i % 7 === 0 ? "needle" : "hay" }));
      if (i % 7 === 0) hits.push(runId);
    }
    const pages = await allPages(store, { limit: 3, text: "needle" });
    expect(pages.flat().map((r) => r.id)).toEqual([...hits].reverse());
    // 40 candidates at 5 per page: short (even empty) pages carry a cursor onwards.
    expect(pages.length).toBeGreaterThanOrEqual(8);
    expect(pages.map((page) => page.length)).toContain(0);
  });

  it("reads every filter but the text, a succeeded status and a webhook trigger from an index, never sorting", async () => {
    const { store } = openStore();
    const plans = (query: Omit<RunQuery, "limit">) => store.runQueries.plan({ limit: 50, ...query });
    const reads = (index: string) => new RegExp(`^\\S+ r USING (COVERING )?INDEX ${index}\\b`);
    const indexed: [Omit<RunQuery, "limit">, string][] = [
      [{}, "runs_newest"],
      [{ since: T0, until: T0 + 1 }, "runs_newest"],
      [{ flowId: "flw_a" }, "runs_by_flow_time"],
      [{ flowId: "flw_a", cursor: `${T0}:7` }, "runs_by_flow_time"],
      [{ status: "failed" }, "runs_by_status_time"],
      [{ status: "queued", since: T0 }, "runs_by_status_time"],
      [{ flowId: "flw_a", status: "running" }, "runs_by_flow_status_time"],
      [{ triggerType: "schedule" }, "runs_by_trigger_time"],
    ];
    for (const [query, index] of indexed) {
      const [plan, ...more] = plans(query);
      expect(more, JSON.stringify(query)).toEqual([]);
      expect(plan, JSON.stringify(query)).toMatch(reads(index));
      expect(plan, JSON.stringify(query)).not.toContain("TEMP B-TREE");
    }
    // Checked run by run along the time order, the page and its budget boundary alike.
    const scanned: [Omit<RunQuery, "limit">, string][] = [
      [{ status: "succeeded" }, "runs_newest"],
      [{ triggerType: "webhook" }, "runs_newest"],
      [{ text: "needle" }, "runs_newest"],
      [{ flowId: "flw_a", status: "succeeded" }, "runs_by_flow_time"],
      [{ status: "failed", triggerType: "webhook" }, "runs_by_status_time"],
    ];
    for (const [query, index] of scanned) {
      const statements = plans(query);
      expect(statements, JSON.stringify(query)).toHaveLength(2);
      for (const plan of statements) {
        expect(plan, JSON.stringify(query)).toMatch(reads(index));
        expect(plan, JSON.stringify(query)).not.toContain("TEMP B-TREE");
      }
    }
  });

  it("lists succeeded runs through a bounded scan when most runs failed, and resumes it through the cursor", async () => {
    const { store } = openStore({ scanBudget: 5 });
    const f = await store.createFlow(sample, T0);
    const succeeded: string[] = [];
    for (let i = 0; i < 30; i++) {
      const leased = { ...run(f.id, T0 + i, { i }), leaseTo: { owner: "A", until: T0 + 60_000 } };
      await store.enqueueRun(leased);
      const status = i % 6 === 0 ? "succeeded" : "failed";
      await store.finishRun({ runId: leased.id, owner: "A", status, steps: [], now: T0 + i });
      if (status === "succeeded") succeeded.push(leased.id);
    }
    const pages = await allPages(store, { limit: 2, status: "succeeded" });
    expect(pages.flat().every((r) => r.status === "succeeded")).toBe(true);
    expect(pages.flat().map((r) => r.id)).toEqual([...succeeded].reverse());
    expect(pages.length).toBeGreaterThanOrEqual(6);
    expect((await store.listRuns({ limit: 50, status: "failed" })).runs).toHaveLength(25);
    expect((await store.countRuns(f.id))[f.id]).toMatchObject({ succeeded: 5, failed: 25 });
  });

  it("refuses a cursor it did not hand out", async () => {
    const { store } = openStore();
    for (const cursor of ["garbage", "12:", ":run_x", "1.5:run_x"]) {
      await expect(store.listRuns({ limit: 5, cursor })).rejects.toMatchObject({ code: "INVALID_CURSOR" });
    }
  });

  it("claims from the pending index, not by sorting every queued run (a backlog must not slow claims)", async () => {
    const { store } = openStore();
    const claim = prepareStatements(store.db).claimRuns.source;
    const plan = (store.db.prepare(`EXPLAIN QUERY PLAN ${claim}`).all("w", 1, 1, 1, 1, 16) as { detail: string }[]).map((r) => r.detail);
    expect(plan.join(" | ")).toContain("runs_pending");
    expect(plan.join(" | ")).not.toContain("TEMP B-TREE");
    const f = await store.createFlow(sample, T0);
    const runs = Array.from({ length: 1_000 }, (_, i) => run(f.id, T0 + i, {}));
    await Promise.all(runs.map((r) => store.enqueueRun(r)));
    for (let i = 0; i < 20; i++) await store.claimRuns(`w${i}`, 16, T0 + 60_000, T0 + 10_000);
    // Oldest first, 16 at a time.
    expect((await store.listRuns({ limit: 1, status: "running" })).runs[0]?.id).toBe(runs[319]!.id);
  });

  it("counts the runs of a database written before counts existed", async () => {
    const { dir, remove } = tempDir();
    cleanups.push(remove);
    const filename = path.join(dir, "runnel.db");
    const old = new Database(filename);
    old.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
    old.exec(SQLITE_MIGRATIONS[0]!);
    old.prepare("INSERT INTO schema_migrations VALUES (1, 0)").run();
    const insert = old.prepare(`INSERT INTO runs (id, flow_id, flow_version, trigger_node_id, trigger_type, status, created_at,
      available_at, frontier, next_seq) VALUES (?, ?, 1, 'w', 'webhook', ?, ?, ?, '[]', 2)`);
    ["succeeded", "succeeded", "failed", "queued"].forEach((status, i) => insert.run(newId("run", T0 + i), "flw_a", status, T0 + i, T0 + i));
    old.close();

    const store = new SqliteStore({ filename });
    cleanups.push(() => store.close());
    expect(await store.countRuns()).toEqual({ flw_a: { queued: 1, running: 0, succeeded: 2, failed: 1, canceled: 0 } });
    expect((await store.listRuns({ limit: 10, status: "succeeded" })).runs).toHaveLength(2);
  });
});
