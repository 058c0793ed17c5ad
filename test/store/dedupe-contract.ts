import { expect, it } from "vitest";
import type { FrontierItem, Store } from "../../engine/index.ts";
import { newId } from "../../engine/ids.ts";
import { dedupeStep } from "../helpers/dedupe-steps.ts";
import { flow } from "../helpers/flows.ts";

const T0 = Date.UTC(2026, 0, 1);
const sample = flow("Dedupe sample", [{ id: "w", type: "webhook", config: { path: "d" } }, { id: "d", type: "dedupe" }], ["w->d"]);

/** A running run leased to "A", as a worker would hold it while a dedupe node claims keys. */
async function runningRun(store: Store, flowId: string, now = T0): Promise<string> {
  const frontier: FrontierItem[] = [{ seq: 2, nodeId: "d", from: { seq: 1, port: "out", index: 0 }, execution: 1 }];
  const { runId } = await store.enqueueRun({
    id: newId("run", now),
    flowId,
    flowVersion: 1,
    triggerNodeId: "w",
    triggerType: "webhook",
    message: {},
    frontier,
    now,
    leaseTo: { owner: "A", until: now + 60_000 },
  });
  return runId;
}

/** Dedupe-key behaviour every Store backend must have (called from storeContract). */
export function dedupeKeyContract(getStore: () => Store) {
  it("frees the keys a failed run's dedupe steps claimed in finishRun, but only those claimed with releaseOnFailure", async () => {
    const store = getStore();
    const f = await store.createFlow(sample, T0);
    const run = await runningRun(store, f.id);
    const claim = { runId: run, now: T0, expiresAt: T0 + 1000, execution: "d:1" };
    await store.claimDedupeKey({ ...claim, scope: "s", key: "freed" });
    await store.claimDedupeKey({ ...claim, scope: "s", key: "kept", releaseOnFailure: false });
    // Claimed by another run: its key stays whatever this one journaled.
    await store.claimDedupeKey({ ...claim, runId: "other", scope: "s", key: "theirs" });
    const steps = [dedupeStep(2, "s", "freed", T0), dedupeStep(3, "s", "kept", T0), dedupeStep(4, "s", "theirs", T0)];
    await store.finishRun({ runId: run, owner: "A", status: "failed", error: { code: "X", message: "x" }, steps, now: T0 + 1 });
    expect(await store.getDedupeKey("s", "freed", T0 + 2)).toBeUndefined();
    expect(await store.getDedupeKey("s", "kept", T0 + 2)).toEqual({
      scope: "s", key: "kept", runId: run, firstSeenAt: T0, expiresAt: T0 + 1000, releaseOnFailure: false,
    });
    expect(await store.getDedupeKey("s", "theirs", T0 + 2)).toMatchObject({ runId: "other" });
    expect((await store.claimDedupeKey({ ...claim, runId: "r2", scope: "s", key: "freed", now: T0 + 2 })).first).toBe(true);
    expect(await store.claimDedupeKey({ ...claim, runId: "r2", scope: "s", key: "kept", now: T0 + 2 })).toEqual({
      first: false, firstRunId: run, firstSeenAt: T0,
    });
  });

  it("keeps the keys of a run that succeeds", async () => {
    const store = getStore();
    const f = await store.createFlow(sample, T0);
    const run = await runningRun(store, f.id);
    await store.claimDedupeKey({ scope: "s", key: "k", runId: run, now: T0, expiresAt: null });
    await store.finishRun({ runId: run, owner: "A", status: "succeeded", steps: [], now: T0 + 1 });
    expect(await store.getDedupeKey("s", "k", T0 + 10 ** 12)).toMatchObject({ runId: run, expiresAt: null, releaseOnFailure: true });
  });

  it("lets a run re-claim its key from the same node execution only", async () => {
    const store = getStore();
    const claim = { scope: "s", key: "k", runId: "r1", now: T0, expiresAt: T0 + 100 };
    expect(await store.claimDedupeKey({ ...claim, execution: "n1:1" })).toEqual({ first: true });
    expect(await store.claimDedupeKey({ ...claim, execution: "n1:1", now: T0 + 50 })).toEqual({ first: true });
    expect(await store.claimDedupeKey({ ...claim, execution: "n1:2" })).toEqual({ first: false, firstRunId: "r1", firstSeenAt: T0 });
    expect(await store.claimDedupeKey({ ...claim, execution: "n2:1" })).toEqual({ first: false, firstRunId: "r1", firstSeenAt: T0 });
    // The resume did not move the window.
    expect((await store.getDedupeKey("s", "k", T0))?.expiresAt).toBe(T0 + 100);
  });

  it("shows live keys only, and deletes a key or a whole scope", async () => {
    const store = getStore();
    for (let i = 0; i < 12; i++) {
      await store.claimDedupeKey({ scope: i < 10 ? "big" : "other", key: `k${i}`, runId: `r${i}`, now: T0, expiresAt: T0 + 100 });
    }
    expect(await store.getDedupeKey("big", "k1", T0 + 99)).toMatchObject({ runId: "r1", firstSeenAt: T0 });
    expect(await store.getDedupeKey("big", "k1", T0 + 100)).toBeUndefined();
    expect(await store.getDedupeKey("big", "missing", T0)).toBeUndefined();
    expect(await store.deleteDedupeKeys("big", "k1")).toBe(1);
    expect(await store.deleteDedupeKeys("big", "k1")).toBe(0);
    expect((await store.claimDedupeKey({ scope: "big", key: "k1", runId: "again", now: T0, expiresAt: null })).first).toBe(true);
    expect(await store.deleteDedupeKeys("big")).toBe(10);
    expect(await store.getDedupeKey("big", "k2", T0)).toBeUndefined();
    expect(await store.getDedupeKey("other", "k10", T0)).toMatchObject({ runId: "r10" });
  });

  it("prunes expired dedupe and idempotency keys in bounded batches and leaves live ones", async () => {
    const store = getStore();
    const f = await store.createFlow(sample, T0);
    for (let i = 0; i < 7; i++) {
      await store.claimDedupeKey({ scope: "p", key: `old${i}`, runId: `r${i}`, now: T0, expiresAt: T0 + 10 });
    }
    await store.claimDedupeKey({ scope: "p", key: "live", runId: "rl", now: T0, expiresAt: T0 + 1000 });
    await store.claimDedupeKey({ scope: "p", key: "forever", runId: "rf", now: T0, expiresAt: null });
    const run = {
      flowId: f.id, flowVersion: 1, triggerNodeId: "w", triggerType: "webhook", message: {}, frontier: [], now: T0,
    };
    await store.enqueueRun({ ...run, id: newId("run", T0), idempotency: { scope: "hook:x", key: "old", expiresAt: T0 + 10 } });
    const fresh = await store.enqueueRun({ ...run, id: newId("run", T0), idempotency: { scope: "hook:x", key: "new", expiresAt: T0 + 1000 } });

    expect(await store.pruneExpiredKeys(T0 + 10, 3)).toBe(4); // 3 dedupe + 1 idempotency
    expect(await store.pruneExpiredKeys(T0 + 10, 3)).toBe(3);
    expect(await store.pruneExpiredKeys(T0 + 10, 3)).toBe(1);
    expect(await store.pruneExpiredKeys(T0 + 10, 3)).toBe(0);
    expect(await store.getDedupeKey("p", "live", T0 + 10)).toMatchObject({ runId: "rl" });
    expect(await store.getDedupeKey("p", "forever", T0 + 10)).toMatchObject({ runId: "rf" });
    expect(await store.findRunByIdempotencyKey("hook:x", "new", T0 + 10)).toBe(fresh.runId);
    expect(await store.deleteDedupeKeys("p")).toBe(2);
  });
}
