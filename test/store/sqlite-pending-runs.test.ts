import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteStore, type NewRun, type StepRecord } from "../../engine/index.ts";
import { newId } from "../../engine/ids.ts";
import { dedupeStep } from "../helpers/dedupe-steps.ts";
import { flow } from "../helpers/flows.ts";
import { tempDir } from "../helpers/temp-store.ts";

const T0 = Date.UTC(2026, 0, 1);
const sample = flow("Sample", [{ id: "w", type: "webhook", config: { path: "x" } }, { id: "l", type: "log" }], ["w->l"]);

/** A run leased to this process at enqueue, as the in-process worker adopts webhook runs. */
function leasedRun(flowId: string): NewRun {
  return {
    id: newId("run", T0),
    flowId,
    flowVersion: 1,
    triggerNodeId: "w",
    triggerType: "webhook",
    message: { body: { n: 1 } },
    frontier: [{ seq: 2, nodeId: "l", from: { seq: 1, port: "out", index: 0 }, execution: 1 }],
    now: T0,
    leaseTo: { owner: "A", until: T0 + 30_000 },
  };
}

const logStep: StepRecord = {
  seq: 2, nodeId: "l", nodeType: "log", status: "succeeded", inputRef: { seq: 1, port: "out", index: 0 },
  outputs: { out: [{ n: 1 }] }, attempts: 1, startedAt: T0, finishedAt: T0 + 1,
};

describe("SQLite: a run's writes before its first commit", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  async function open() {
    const { dir, remove } = tempDir();
    const filename = path.join(dir, "runnel.db");
    const store = new SqliteStore({ filename });
    cleanups.push(async () => {
      await store.close().catch(() => undefined);
      remove();
    });
    return { store, filename, flowId: (await store.createFlow(sample, T0)).id };
  }

  it("lands a run enqueued, journaled and failed in one turn in its final state, keys of the failure released", async () => {
    const { store, flowId } = await open();
    const run = leasedRun(flowId);
    const writes = [
      store.enqueueRun(run),
      store.claimDedupeKey({ scope: "s", key: "k", runId: run.id, execution: "l:1", now: T0, expiresAt: null, releaseOnFailure: true }),
      store.commitStep({ runId: run.id, owner: "A", steps: [logStep], frontier: [], nextSeq: 3 }),
      store.finishRun({ runId: run.id, owner: "A", status: "failed", error: { code: "X", message: "boom" }, steps: [dedupeStep(3, "s", "k", T0 + 1)], now: T0 + 2 }),
    ];
    await Promise.all(writes);
    const stored = await store.getRun(run.id);
    expect(stored).toMatchObject({ status: "failed", error: { code: "X" }, finishedAt: new Date(T0 + 2).toISOString() });
    expect(stored?.steps.map((s) => s.seq)).toEqual([1, 2, 3]);
    expect(await store.getDedupeKey("s", "k", T0)).toBeUndefined();
    expect((await store.countRuns(flowId))[flowId]).toMatchObject({ failed: 1, running: 0 });
  });

  it("refuses another owner's writes and keeps a release, so the next start claims the run", async () => {
    const { store, flowId } = await open();
    const run = leasedRun(flowId);
    const enqueued = store.enqueueRun(run);
    await expect(store.commitStep({ runId: run.id, owner: "B", steps: [logStep], frontier: [], nextSeq: 3 })).rejects.toThrow();
    expect(await store.renewLeases("A", [run.id], T0 + 60_000)).toEqual([run.id]);
    await Promise.all([enqueued, store.releaseRuns("A", [run.id])]);
    const claimed = await store.claimRuns("B", 10, T0 + 90_000, T0 + 1);
    expect(claimed.map((c) => c.run.id)).toEqual([run.id]);
    expect(claimed[0]?.steps.map((s) => s.seq)).toEqual([1]);
  });

  it("is not visible, nor durable, before its commit", async () => {
    const { store, flowId } = await open();
    const run = leasedRun(flowId);
    const enqueued = store.enqueueRun(run);
    expect(await store.getRun(run.id)).toBeUndefined();
    await enqueued;
    expect((await store.getRun(run.id))?.status).toBe("running");
  });

  it("takes a run whose step cannot be stored back out whole, and commits the runs beside it", async () => {
    const { store, flowId } = await open();
    const good = leasedRun(flowId);
    const bad = { ...leasedRun(flowId), id: newId("run", T0) };
    const goodWritten = store.enqueueRun(good);
    const badWritten = store.enqueueRun(bad);
    // A step the steps table refuses (node_id NOT NULL), so the failure comes after the run's row is in.
    const refused = store.commitStep({ runId: bad.id, owner: "A", nextSeq: 3, frontier: [], steps: [{ ...logStep, nodeId: null as never }] });
    await expect(badWritten).rejects.toThrow(/NOT NULL/);
    await expect(refused).rejects.toThrow(/NOT NULL/);
    await goodWritten;
    expect(await store.getRun(bad.id)).toBeUndefined();
    expect(store.db.prepare("SELECT count(*) FROM run_steps WHERE run_id = ?").pluck().get(bad.id)).toBe(0);
    expect((await store.getRun(good.id))?.steps.map((s) => s.nodeId)).toEqual(["w"]);
    expect((await store.countRuns(flowId))[flowId]).toMatchObject({ running: 1 });
  });
});
