import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LeaseLostError, VersionConflictError, type FrontierItem, type NewRun, type Store } from "../../engine/index.ts";
import { newId } from "../../engine/ids.ts";
import { flow } from "../helpers/flows.ts";
import { runHistoryContract } from "./run-history-contract.ts";
import { durabilityContract } from "./durability-contract.ts";
import { dedupeKeyContract } from "./dedupe-contract.ts";

export interface StoreFactory {
  create(): Promise<{ store: Store; reopen?: () => Promise<Store>; cleanup(): Promise<void> }>;
}

const T0 = Date.UTC(2026, 0, 1);
const sample = flow("Sample", [{ id: "w", type: "webhook", config: { path: "x" } }, { id: "l", type: "log" }], ["w->l"]);

function newRun(flowId: string, overrides: Partial<NewRun> = {}): NewRun {
  const frontier: FrontierItem[] = [{ seq: 2, nodeId: "l", from: { seq: 1, port: "out", index: 0 }, execution: 1 }];
  return {
    id: newId("run", overrides.now ?? T0),
    flowId,
    flowVersion: 1,
    triggerNodeId: "w",
    triggerType: "webhook",
    message: { body: { hello: "world" } },
    frontier,
    now: T0,
    ...overrides,
  };
}

/** The behaviour every Store backend must have; run against SQLite and PostgreSQL alike. */
export function storeContract(name: string, factory: StoreFactory) {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    let reopen: (() => Promise<Store>) | undefined;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, reopen, cleanup } = await factory.create());
    });
    afterEach(async () => cleanup());

    it("creates flows at version 1 and keeps every saved version", async () => {
      const created = await store.createFlow(sample, T0);
      expect(created.id).toMatch(/^flw_/);
      expect(created.version).toBe(1);
      const updated = await store.updateFlow(created.id, { ...sample, name: "Renamed" }, 1, T0 + 1);
      expect(updated.version).toBe(2);
      expect((await store.getFlow(created.id))?.name).toBe("Renamed");
      expect((await store.getFlow(created.id, 1))?.name).toBe("Sample");
      expect((await store.listFlowVersions(created.id))?.map((v) => v.version)).toEqual([2, 1]);
      expect((await store.listFlows()).map((f) => f.id)).toEqual([created.id]);
    });

    it("refuses a save based on a stale version and reports the current document", async () => {
      const created = await store.createFlow(sample, T0);
      await store.updateFlow(created.id, { ...sample, name: "A" }, 1, T0);
      const error = await store.updateFlow(created.id, { ...sample, name: "B" }, 1, T0).catch((e) => e);
      expect(error).toBeInstanceOf(VersionConflictError);
      expect((error as VersionConflictError).current.name).toBe("A");
      expect((await store.getFlow(created.id))?.version).toBe(2);
    });

    it("deletes flows but keeps their versions for runs pinned to them", async () => {
      const created = await store.createFlow(sample, T0);
      expect(await store.deleteFlow(created.id)).toBe(true);
      expect(await store.deleteFlow(created.id)).toBe(false);
      expect(await store.getFlow(created.id)).toBeUndefined();
      expect((await store.getFlow(created.id, 1))?.name).toBe("Sample");
    });

    it("enqueues a run with its trigger as step 1 and lets exactly one worker claim it", async () => {
      const f = await store.createFlow(sample, T0);
      const { runId, replayed } = await store.enqueueRun(newRun(f.id));
      expect(replayed).toBe(false);
      const run = await store.getRun(runId);
      expect(run?.status).toBe("queued");
      expect(run?.steps).toHaveLength(1);
      expect(run?.steps[0]).toMatchObject({ seq: 1, nodeId: "w", status: "succeeded", outputs: { out: [{ body: { hello: "world" } }] } });
      const [a, b] = await Promise.all([store.claimRuns("A", 10, T0 + 1000, T0), store.claimRuns("B", 10, T0 + 1000, T0)]);
      expect(a.length + b.length).toBe(1);
      const claimed = (a[0] ?? b[0])!;
      expect(claimed.frontier).toEqual(newRun(f.id).frontier);
      expect(claimed.steps).toHaveLength(1);
      expect((await store.getRun(runId))?.status).toBe("running");
    });

    it("journals steps with the frontier, resolves inputs from parent outputs, and finishes", async () => {
      const f = await store.createFlow(sample, T0);
      const { runId } = await store.enqueueRun(newRun(f.id));
      await store.claimRuns("A", 10, T0 + 1000, T0);
      await store.commitStep({
        runId,
        owner: "A",
        nextSeq: 3,
        frontier: [],
        steps: [{
          seq: 2, nodeId: "l", nodeType: "log", status: "succeeded", inputRef: { seq: 1, port: "out", index: 0 },
          outputs: { out: [{ ok: true }] }, attempts: 1, startedAt: T0, finishedAt: T0 + 5,
        }],
      });
      await store.finishRun({ runId, owner: "A", status: "succeeded", now: T0 + 6, steps: [] });
      const run = await store.getRun(runId);
      expect(run?.status).toBe("succeeded");
      expect(run?.steps[1]).toMatchObject({ seq: 2, input: { body: { hello: "world" } }, outputs: { out: [{ ok: true }] }, attempts: 1 });
      expect(run?.finishedAt).toBe(new Date(T0 + 6).toISOString());
    });

    it("gives back a message passed on through two steps from its one stored copy, for the log and a resume", async () => {
      const f = await store.createFlow(sample, T0);
      const { runId } = await store.enqueueRun(newRun(f.id));
      await store.claimRuns("A", 10, T0 + 1000, T0);
      const message = { body: { hello: "world" } };
      const step = (seq: number, outputs: Record<string, unknown[]>, passed?: Record<string, number[]>) => ({
        seq, nodeId: "l", nodeType: "log", status: "succeeded" as const, inputRef: { seq: seq - 1, port: "out", index: 0 },
        outputs: outputs as never, attempts: 1, startedAt: T0, finishedAt: T0 + 1, ...(passed && { passed }),
      });
      await store.commitStep({
        runId, owner: "A", nextSeq: 5, frontier: [],
        steps: [step(2, { out: [message] }, { out: [0] }), step(3, { rejected: [], out: [{ n: 1 }, message] }, { out: [1] }), step(4, { out: [{ done: true }] })],
      });
      const journal = await store.getJournal(runId);
      expect(journal.map((s) => s.outputs)).toEqual([{ out: [message] }, { out: [message] }, { rejected: [], out: [{ n: 1 }, message] }, { out: [{ done: true }] }]);
      const run = await store.getRun(runId);
      expect(run?.steps[3]?.input).toEqual({ n: 1 });
      expect(run?.steps[2]?.input).toEqual(message);
    });

    it("rejects journal writes from a worker whose lease was taken over", async () => {
      const f = await store.createFlow(sample, T0);
      const { runId } = await store.enqueueRun(newRun(f.id));
      await store.claimRuns("A", 10, T0 + 1000, T0);
      expect(await store.claimRuns("B", 10, T0 + 2000, T0 + 500)).toHaveLength(0);
      const taken = await store.claimRuns("B", 10, T0 + 3000, T0 + 1500);
      expect(taken.map((c) => c.run.id)).toEqual([runId]);
      const error = await store.commitStep({ runId, owner: "A", nextSeq: 3, frontier: [], steps: [] }).catch((e) => e);
      expect(error).toBeInstanceOf(LeaseLostError);
      expect(await store.renewLeases("A", [runId], T0 + 9000)).toEqual([]);
      expect(await store.renewLeases("B", [runId], T0 + 9000)).toEqual([runId]);
    });

    it("parks a run until its deferred work is due", async () => {
      const f = await store.createFlow(sample, T0);
      const { runId } = await store.enqueueRun(newRun(f.id));
      const [claimed] = await store.claimRuns("A", 10, T0 + 1000, T0);
      await store.parkRun({ runId, owner: "A", frontier: [{ ...claimed!.frontier[0]!, wakeAt: T0 + 60_000 }], nextSeq: 3, availableAt: T0 + 60_000 });
      expect(await store.claimRuns("B", 10, T0 + 70_000, T0 + 59_999)).toHaveLength(0);
      const [again] = await store.claimRuns("B", 10, T0 + 70_000, T0 + 60_000);
      expect(again?.frontier[0]?.wakeAt).toBe(T0 + 60_000);
    });

    it("replays an idempotency key within its window and forgets it after", async () => {
      const f = await store.createFlow(sample, T0);
      const idempotency = { scope: "hook:a", key: "delivery-1", expiresAt: T0 + 1000 };
      const first = await store.enqueueRun(newRun(f.id, { idempotency }));
      const results = await Promise.all([1, 2, 3].map(() => store.enqueueRun(newRun(f.id, { idempotency, now: T0 + 10 }))));
      for (const r of results) expect(r).toEqual({ runId: first.runId, replayed: true });
      const later = await store.enqueueRun(newRun(f.id, { idempotency: { ...idempotency, expiresAt: T0 + 5000 }, now: T0 + 1000 }));
      expect(later.replayed).toBe(false);
      expect(later.runId).not.toBe(first.runId);
    });

    it("lets one run through per dedupe key until it expires", async () => {
      const claim = { scope: "s", key: "k", now: T0, expiresAt: T0 + 100 };
      const outcomes = await Promise.all(["r1", "r2", "r3"].map((runId) => store.claimDedupeKey({ ...claim, runId })));
      expect(outcomes.filter((o) => o.first)).toHaveLength(1);
      expect(await store.claimDedupeKey({ ...claim, runId: "r1" })).toEqual({ first: true });
      expect(await store.claimDedupeKey({ ...claim, runId: "r9", now: T0 + 99 })).toEqual({ first: false, firstRunId: "r1", firstSeenAt: T0 });
      expect((await store.claimDedupeKey({ ...claim, runId: "r9", now: T0 + 100 })).first).toBe(true);
      expect((await store.claimDedupeKey({ ...claim, runId: "r10", now: T0 + 101 })).first).toBe(true);
    });

    it("fires a trigger tick once, with its runs in the same write, and never an older tick", async () => {
      const f = await store.createFlow(sample, T0);
      const fire = (tick: number, runs: NewRun[]) => store.fireTrigger({ flowId: f.id, nodeId: "w", tick, runs, now: T0 });
      expect(await store.lastTriggerTick(f.id, "w")).toBeUndefined();
      const runs = [newRun(f.id, { message: { n: 1 } }), newRun(f.id, { message: { n: 2 } })];
      const outcomes = await Promise.all([fire(T0, runs), fire(T0, [newRun(f.id)]), fire(T0, [newRun(f.id)])]);
      expect(outcomes.filter((o) => o.fired)).toHaveLength(1);
      expect((await store.listRuns({ limit: 10, flowId: f.id })).runs).toHaveLength(outcomes[0]!.fired ? 2 : 1);
      expect(await store.lastTriggerTick(f.id, "w")).toBe(T0);
      expect(await fire(T0 - 60_000, [newRun(f.id)])).toEqual({ fired: false });
      expect(await fire(T0 + 60_000, [])).toEqual({ fired: true });
      expect(await store.lastTriggerTick(f.id, "w")).toBe(T0 + 60_000);
      expect(await store.lastTriggerTick(f.id, "other")).toBeUndefined();
      const queued = await store.claimRuns("A", 10, T0 + 1000, T0);
      expect(queued.every((c) => c.run.status === "running" && c.steps.length === 1)).toBe(true);
      if (reopen) {
        store = await reopen();
        expect(await store.lastTriggerTick(f.id, "w")).toBe(T0 + 60_000);
        expect(await fire(T0 + 60_000, [newRun(f.id)])).toEqual({ fired: false });
      }
    });

    it("cancels queued runs and reports unknown ones", async () => {
      const f = await store.createFlow(sample, T0);
      const { runId } = await store.enqueueRun(newRun(f.id));
      expect(await store.cancelRun(runId, T0)).toBe("canceled");
      expect(await store.claimRuns("A", 10, T0 + 1000, T0)).toHaveLength(0);
      expect(await store.cancelRun("run_missing", T0)).toBeUndefined();
    });

    it("lists runs newest first with stable cursor pages and filters", async () => {
      const f = await store.createFlow(sample, T0);
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) ids.push((await store.enqueueRun(newRun(f.id, { now: T0 + i, message: { n: i } }))).runId);
      const page1 = await store.listRuns({ limit: 3 });
      expect(page1.runs.map((r) => r.id)).toEqual(ids.slice(4).reverse());
      await store.enqueueRun(newRun(f.id, { now: T0 + 100 }));
      const page2 = await store.listRuns({ limit: 3, cursor: page1.nextCursor! });
      expect(page2.runs.map((r) => r.id)).toEqual(ids.slice(1, 4).reverse());
      const page3 = await store.listRuns({ limit: 3, cursor: page2.nextCursor! });
      expect(page3.runs.map((r) => r.id)).toEqual([ids[0]]);
      expect(page3.nextCursor).toBeNull();
      await store.cancelRun(ids[2]!, T0);
      expect((await store.listRuns({ limit: 10, status: "canceled" })).runs.map((r) => r.id)).toEqual([ids[2]]);
      expect((await store.listRuns({ limit: 10, text: '"n":5' })).runs.map((r) => r.id)).toEqual([ids[5]]);
      expect((await store.listRuns({ limit: 10, flowId: "other" })).runs).toEqual([]);
    });

    it("stores credentials as opaque encrypted data: create, list, get, rotate, delete", async () => {
      const a = await store.createCredential({ id: "cred_a", name: "GitHub", type: "webhook-secret", encrypted: "v1:blob-a", now: T0 });
      expect(a).toEqual({ id: "cred_a", name: "GitHub", type: "webhook-secret", createdAt: new Date(T0).toISOString(), updatedAt: new Date(T0).toISOString() });
      await store.createCredential({ id: "cred_b", name: "Deploy", type: "bearer-token", encrypted: "v1:blob-b", now: T0 + 1 });
      const duplicate = await store.createCredential({ id: "cred_a", name: "x", type: "x", encrypted: "x", now: T0 }).catch((e: unknown) => e);
      expect(duplicate).toBeInstanceOf(Error);
      const listed = await store.listCredentials();
      expect(listed.map((c) => c.id)).toEqual(["cred_a", "cred_b"]);
      expect(JSON.stringify(listed)).not.toContain("blob");
      expect(await store.getCredential("cred_a")).toEqual({ ...a, encrypted: "v1:blob-a" });
      expect(await store.getCredential("cred_missing")).toBeUndefined();

      const rotated = await store.updateCredential("cred_a", { encrypted: "v1:blob-a2", now: T0 + 5 });
      expect(rotated).toEqual({ ...a, updatedAt: new Date(T0 + 5).toISOString() });
      const renamed = await store.updateCredential("cred_a", { name: "GitHub org", now: T0 + 6 });
      expect(renamed?.name).toBe("GitHub org");
      expect((await store.getCredential("cred_a"))?.encrypted).toBe("v1:blob-a2");
      expect(await store.updateCredential("cred_missing", { name: "x", now: T0 })).toBeUndefined();

      expect(await store.deleteCredential("cred_a")).toBe(true);
      expect(await store.deleteCredential("cred_a")).toBe(false);
      expect((await store.listCredentials()).map((c) => c.id)).toEqual(["cred_b"]);
      if (reopen) {
        store = await reopen();
        expect((await store.getCredential("cred_b"))?.encrypted).toBe("v1:blob-b");
      }
    });

    it("keeps everything committed across a reopen", async () => {
      if (!reopen) return;
      const f = await store.createFlow(sample, T0);
      const { runId } = await store.enqueueRun(newRun(f.id));
      store = await reopen();
      expect((await store.getRun(runId))?.status).toBe("queued");
      expect((await store.getFlow(f.id))?.name).toBe("Sample");
    });

    runHistoryContract(() => store);
    durabilityContract(() => store);
    dedupeKeyContract(() => store);
  });
}
