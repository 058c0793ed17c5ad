import path from "node:path";
import { describe, expect, it } from "vitest";
import { SqliteStore, type NewRun } from "../../engine/index.ts";
import { newId } from "../../engine/ids.ts";
import { cleanupsAfterEach } from "../helpers/cleanups.ts";
import { flow } from "../helpers/flows.ts";
import { tempDir } from "../helpers/temp-store.ts";

const T0 = Date.UTC(2026, 0, 1);
const sample = flow("Counted", [{ id: "w", type: "webhook", config: { path: "c" } }, { id: "l", type: "log" }], ["w->l"]);
const cleanups = cleanupsAfterEach();

function openStore(failCommit: () => boolean = () => false) {
  const { dir, remove } = tempDir();
  const store = new SqliteStore({
    filename: path.join(dir, "runnel.db"),
    synchronous: "normal",
    crash: (point) => {
      if (point === "commit.before" && failCommit()) throw new Error("the disk refused the commit");
    },
  });
  cleanups.push(remove, () => store.close());
  return store;
}

let n = 0;
function newRun(flowId: string, leased: boolean): NewRun {
  const now = T0 + ++n;
  return {
    id: newId("run", now),
    flowId,
    flowVersion: 1,
    triggerNodeId: "w",
    triggerType: "webhook",
    message: { n },
    frontier: [{ seq: 2, nodeId: "l", from: { seq: 1, port: "out", index: 0 }, execution: 1 }],
    now,
    ...(leased ? { leaseTo: { owner: "A", until: now + 60_000 } } : {}),
  };
}

/** run_counts against a count of the rows themselves. */
function countsMatchRows(store: SqliteStore) {
  const rows = store.db.prepare("SELECT flow_id, status, count(*) AS n FROM runs GROUP BY flow_id, status").all() as { flow_id: string; status: string; n: number }[];
  const kept = store.db.prepare("SELECT flow_id, status, n FROM run_counts WHERE n <> 0").all() as { flow_id: string; status: string; n: number }[];
  const key = (r: { flow_id: string; status: string }) => `${r.flow_id}/${r.status}`;
  expect(Object.fromEntries(kept.map((r) => [key(r), r.n]))).toEqual(Object.fromEntries(rows.map((r) => [key(r), r.n])));
}

describe("SQLite run counts", () => {
  it("counts runs inserted at a commit with the others of that commit, through changes made before it", async () => {
    const store = openStore();
    const a = (await store.createFlow(sample, T0)).id;
    const b = (await store.createFlow(sample, T0)).id;
    const writes: Promise<unknown>[] = [];
    // One batch: pending runs that finish, fail, stay running or are canceled, beside runs enqueued at once.
    for (let i = 0; i < 12; i++) {
      const run = newRun(i % 3 === 0 ? b : a, true);
      writes.push(store.enqueueRun(run));
      if (i % 4 === 0) writes.push(store.finishRun({ runId: run.id, owner: "A", status: "succeeded", steps: [], now: run.now }));
      if (i % 4 === 1) writes.push(store.finishRun({ runId: run.id, owner: "A", status: "failed", error: { code: "X", message: "x" }, steps: [], now: run.now }));
      if (i % 4 === 2) writes.push(store.cancelRun(run.id, run.now));
    }
    for (let i = 0; i < 5; i++) writes.push(store.enqueueRun(newRun(a, false)));
    await Promise.all(writes);
    expect((await store.countRuns())[a]).toEqual({ queued: 5, running: 2, succeeded: 2, failed: 2, canceled: 2 });
    expect((await store.countRuns())[b]).toEqual({ queued: 0, running: 1, succeeded: 1, failed: 1, canceled: 1 });
    countsMatchRows(store);

    // Later commits change the rows counted before: claims, finishes, a retention-style delete.
    const claimed = await store.claimRuns("B", 10, T0 + 120_000, T0 + 100);
    expect(claimed).toHaveLength(5);
    await store.finishRun({ runId: claimed[0]!.run.id, owner: "B", status: "succeeded", steps: [], now: T0 + 200 });
    store.db.prepare("DELETE FROM runs WHERE status = 'canceled'").run();
    countsMatchRows(store);
  });

  it("takes back the counts of a batch whose commit fails", async () => {
    let failing = false;
    const store = openStore(() => failing);
    const f = (await store.createFlow(sample, T0)).id;
    await store.enqueueRun(newRun(f, true));
    failing = true;
    const lost = [newRun(f, true), newRun(f, true), newRun(f, false)].map((run) => store.enqueueRun(run));
    for (const write of lost) await expect(write).rejects.toThrow("the disk refused the commit");
    failing = false;
    await store.enqueueRun(newRun(f, true));
    expect((await store.countRuns(f))[f]).toMatchObject({ running: 2, queued: 0 });
    countsMatchRows(store);
  });
});
