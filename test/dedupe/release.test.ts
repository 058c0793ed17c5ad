import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { App } from "../../api/app.ts";
import { initialFrontier } from "../../engine/runtime/run-service.ts";
import { newId } from "../../engine/ids.ts";
import { engineHarness } from "../helpers/engine-harness.ts";
import { flow } from "../helpers/flows.ts";
import { appFor, dedupeStep, hookDedupeFlow, outcomeOf, post, type Harness } from "./helpers.ts";

describe("dedupe release on failure", () => {
  let h: Harness;
  let app: App;

  beforeEach(async () => {
    h = await engineHarness({ engine: { keyPruning: false } });
    app = appFor(h);
  });
  afterEach(async () => h.close());

  /** Delivers a webhook and returns the finished run. */
  async function deliver(path: string, body: unknown) {
    const { status, body: reply } = await post(app, path, body);
    expect(status).toBe(202);
    await h.finished(reply.runId);
    return (await h.store.getRun(reply.runId))!;
  }

  it("frees the key of a run that fails after the dedupe node, so the redelivery passes", async () => {
    const saved = await h.engine.flows.create(hookDedupeFlow("Pay", "pay", { key: "body.id" }, { fail: true }));
    const failed = await deliver("pay", { id: "x", fail: true });
    expect(failed.status).toBe("failed");
    expect(outcomeOf(failed)).toBe("out");
    const scope = `node:${saved.id}:dd`;
    expect((await app.request(`/api/dedupe?scope=${scope}&key=x`)).status).toBe(404);

    const redelivered = await deliver("pay", { id: "x" });
    expect(redelivered.status).toBe("succeeded");
    expect(outcomeOf(redelivered)).toBe("out");
    expect(outcomeOf(await deliver("pay", { id: "x" }))).toBe("duplicate");
    const state = (await (await app.request(`/api/dedupe?scope=${scope}&key=x`)).json()) as { runId: string };
    expect(state.runId).toBe(redelivered.id);
  });

  it("lets a retry of the failed run pass the dedupe node again", async () => {
    await h.engine.flows.create(hookDedupeFlow("Pay", "pay", { key: "body.id" }, { fail: true }));
    const failed = await deliver("pay", { id: "r", fail: true });
    const res = await app.request(`/api/runs/${failed.id}/retry`, { method: "POST" });
    const { runId } = (await res.json()) as { runId: string };
    await h.finished(runId);
    const retried = (await h.store.getRun(runId))!;
    expect(retried.retryOf).toBe(failed.id);
    expect(outcomeOf(retried)).toBe("out");
  });

  it("keeps the key when releaseOnFailure is false: the redelivery is a duplicate of the failed run", async () => {
    await h.engine.flows.create(hookDedupeFlow("Pay", "pay", { key: "body.id", releaseOnFailure: false }, { fail: true }));
    const failed = await deliver("pay", { id: "y", fail: true });
    expect(failed.status).toBe("failed");
    const redelivered = await deliver("pay", { id: "y" });
    expect(outcomeOf(redelivered)).toBe("duplicate");
    expect(dedupeStep(redelivered).meta?.firstRunId).toBe(failed.id);
  });

  it("never frees the first run's key when a duplicate run fails", async () => {
    const f = flow(
      "Dup fails",
      [
        { id: "hook", type: "webhook", config: { path: "d" } },
        { id: "dd", type: "dedupe", config: { key: "body.id" } },
        { id: "boom", type: "transform", config: { expression: `$error("duplicate path fails")` } },
      ],
      ["hook->dd", "dd:duplicate->boom"],
    );
    await h.engine.flows.create(f);
    const first = await deliver("d", { id: 1 });
    const dup = await deliver("d", { id: 1 });
    expect([first.status, dup.status]).toEqual(["succeeded", "failed"]);
    const third = await deliver("d", { id: 1 });
    expect(dedupeStep(third).meta).toMatchObject({ outcome: "duplicate", firstRunId: first.id });
  });

  it("lets a run resumed after a crash re-claim its own key", async () => {
    const saved = await h.engine.flows.create(hookDedupeFlow("Resume", "resume", { key: "body.id" }));
    const now = Date.now();
    const runId = newId("run", now);
    // A worker claimed the key, then died before journaling the step: its lease has run out.
    const claim = { scope: `node:${saved.id}:dd`, key: "c", runId, execution: "dd:1", now, expiresAt: now + 60_000 };
    expect(await h.store.claimDedupeKey(claim)).toEqual({ first: true });
    await h.store.enqueueRun({
      id: runId,
      flowId: saved.id,
      flowVersion: saved.version,
      triggerNodeId: "hook",
      triggerType: "webhook",
      message: { body: { id: "c" } },
      frontier: initialFrontier(saved, "hook"),
      now,
      leaseTo: { owner: "crashed-worker", until: now - 1 },
    });
    h.engine.worker!.wake();
    await h.finished(runId);
    const resumed = (await h.store.getRun(runId))!;
    expect(resumed.status).toBe("succeeded");
    expect(outcomeOf(resumed)).toBe("out");
    expect(outcomeOf(await deliver("resume", { id: "c" }))).toBe("duplicate");
  });
});
