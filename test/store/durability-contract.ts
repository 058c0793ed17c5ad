import { expect, it } from "vitest";
import type { FrontierItem, Store } from "../../engine/index.ts";
import { newId } from "../../engine/ids.ts";
import { flow } from "../helpers/flows.ts";

const T0 = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;
const sample = flow("Retention sample", [{ id: "w", type: "webhook", config: { path: "r" } }, { id: "l", type: "log" }], ["w->l"]);
const frontier: FrontierItem[] = [{ seq: 2, nodeId: "l", from: { seq: 1, port: "out", index: 0 }, execution: 1 }];

async function enqueue(store: Store, flowId: string, now: number): Promise<string> {
  const id = newId("run", now);
  await store.enqueueRun({ id, flowId, flowVersion: 1, triggerNodeId: "w", triggerType: "webhook", message: { now }, frontier, now, leaseTo: { owner: "A", until: now + 1_000 } });
  return id;
}

async function finished(store: Store, flowId: string, now: number): Promise<string> {
  const runId = await enqueue(store, flowId, now);
  await store.finishRun({ runId, owner: "A", status: "succeeded", now, steps: [] });
  return runId;
}

/** Retention and resume-payload behaviour every Store backend must have (called from storeContract). */
export function durabilityContract(getStore: () => Store) {
  it("prunes finished runs older than a cutoff in batches, with their steps, never unfinished ones", async () => {
    const store = getStore();
    const f = await store.createFlow(sample, T0);
    const old = [];
    for (let i = 0; i < 5; i++) old.push(await finished(store, f.id, T0 + i));
    const oldRunning = await enqueue(store, f.id, T0 + 10);
    const recent = await finished(store, f.id, T0 + 20 * DAY);
    const cutoff = T0 + 14 * DAY;
    expect(await store.pruneRuns({ createdBefore: cutoff }, 3)).toBe(3);
    expect(await store.pruneRuns({ createdBefore: cutoff }, 3)).toBe(2);
    expect(await store.pruneRuns({ createdBefore: cutoff }, 3)).toBe(0);
    for (const id of old) {
      expect(await store.getRun(id)).toBeUndefined();
      expect(await store.getJournal(id)).toEqual([]);
    }
    expect((await store.getRun(oldRunning))?.status).toBe("running");
    expect((await store.getRun(recent))?.status).toBe("succeeded");
  });

  it("keeps each flow's newest runs and prunes the finished ones beyond them", async () => {
    const store = getStore();
    const f = await store.createFlow(sample, T0);
    const g = await store.createFlow({ ...sample, name: "Other", nodes: sample.nodes.map((n) => (n.id === "w" ? { ...n, config: { path: "r2" } } : n)) }, T0);
    const runs = [];
    for (let i = 0; i < 6; i++) runs.push(await finished(store, f.id, T0 + i));
    const running = await enqueue(store, f.id, T0 + 6);
    const others = [await finished(store, g.id, T0), await finished(store, g.id, T0 + 1)];
    expect((await store.flowIdsWithRuns(undefined, 10)).sort()).toEqual([f.id, g.id].sort());
    expect(await store.flowIdsWithRuns([f.id, g.id].sort()[0], 10)).toEqual([[f.id, g.id].sort()[1]]);
    // Keep 3 newest of f: the running one and runs[5], runs[4]; prune runs[0..3].
    expect(await store.pruneRuns({ flowId: f.id, keepNewest: 3 }, 10)).toBe(4);
    expect((await store.listRuns({ limit: 10, flowId: f.id })).runs.map((r) => r.id)).toEqual([running, runs[5], runs[4]]);
    expect(await store.pruneRuns({ flowId: g.id, keepNewest: 3 }, 10)).toBe(0);
    expect((await store.listRuns({ limit: 10, flowId: g.id })).runs).toHaveLength(others.length);
  });

  it("hands a resumed run the full payload of a truncated step, and drops it when the run ends", async () => {
    const store = getStore();
    const f = await store.createFlow(sample, T0);
    const runId = await enqueue(store, f.id, T0);
    const marker = { $truncated: true, bytes: 20, preview: '{"big":' };
    await store.commitStep({
      runId,
      owner: "A",
      nextSeq: 4,
      frontier: [{ seq: 3, nodeId: "l", from: { seq: 2, port: "out", index: 0 }, execution: 2 }],
      steps: [{
        seq: 2, nodeId: "l", nodeType: "log", status: "succeeded", inputRef: { seq: 1, port: "out", index: 0 },
        outputs: { out: [marker] }, payload: { out: [{ big: "0123456789" }] }, attempts: 1, startedAt: T0, finishedAt: T0,
      }],
    });
    const [claimed] = await store.claimRuns("B", 1, T0 + 10_000, T0 + 5_000);
    expect(claimed?.steps.find((s) => s.seq === 2)).toMatchObject({ outputs: { out: [marker] }, payload: { out: [{ big: "0123456789" }] } });
    expect((await store.getRun(runId))?.steps[1]?.outputs).toEqual({ out: [marker] });
    await store.finishRun({ runId, owner: "B", status: "succeeded", now: T0 + 5_001, steps: [] });
    expect((await store.getJournal(runId)).find((s) => s.seq === 2)?.payload).toBeUndefined();
  });
}
