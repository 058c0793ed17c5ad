import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LeaseLostError, type Store } from "../../engine/index.ts";
import { newId } from "../../engine/ids.ts";
import { flow } from "../helpers/flows.ts";
import type { StoreFactory } from "./store-contract.ts";

const T0 = Date.UTC(2026, 0, 1);

/**
 * Many runs writing at once, as a busy worker does: backends that group concurrent writes
 * (SQLite's group commit, PostgreSQL's batched statements) must still judge each write alone.
 */
export function concurrentWritesContract(name: string, factory: StoreFactory) {
  describe(`Store contract, concurrent writes: ${name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ store, cleanup } = await factory.create());
    });
    afterEach(async () => cleanup());

    it("accepts the journal of runs still leased and refuses, one by one, those taken over", async () => {
      const f = await store.createFlow(flow("F", [{ id: "w", type: "webhook", config: { path: "x" } }, { id: "l", type: "log" }], ["w->l"]), T0);
      const ids = await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const { runId } = await store.enqueueRun({
            id: newId("run", T0),
            flowId: f.id,
            flowVersion: 1,
            triggerNodeId: "w",
            triggerType: "webhook",
            message: { i },
            frontier: [{ seq: 2, nodeId: "l", from: { seq: 1, port: "out", index: 0 }, execution: 1 }],
            now: T0,
          });
          return runId;
        }),
      );
      expect((await store.claimRuns("A", 100, T0 + 1_000, T0)).length).toBe(50);
      const kept = ids.slice(0, 40);
      expect(await store.renewLeases("A", kept, T0 + 5_000)).toEqual(kept);
      const taken = (await store.claimRuns("B", 100, T0 + 9_000, T0 + 1_500)).map((c) => c.run.id).sort();
      expect(taken).toEqual(ids.slice(40).sort());

      const step = (i: number) => ({
        seq: 2, nodeId: "l", nodeType: "log", status: "succeeded" as const, inputRef: { seq: 1, port: "out", index: 0 },
        outputs: { out: [{ i }] }, attempts: 1, startedAt: T0, finishedAt: T0 + 1,
      });
      const commits = await Promise.allSettled(ids.map((runId, i) => store.commitStep({ runId, owner: "A", steps: [step(i)], frontier: [], nextSeq: 3 })));
      expect(commits.slice(0, 40).every((c) => c.status === "fulfilled")).toBe(true);
      for (const c of commits.slice(40)) expect(c.status === "rejected" && c.reason instanceof LeaseLostError).toBe(true);

      const finishes = await Promise.allSettled(ids.map((runId) => store.finishRun({ runId, owner: "A", status: "succeeded", steps: [], now: T0 + 2 })));
      expect(finishes.filter((f) => f.status === "fulfilled")).toHaveLength(40);
      const runs = await Promise.all(ids.map((id) => store.getRun(id)));
      runs.forEach((run, i) => {
        expect(run?.status).toBe(i < 40 ? "succeeded" : "running");
        expect(run?.steps.map((s) => s.seq)).toEqual(i < 40 ? [1, 2] : [1]);
      });
    });
  });
}
