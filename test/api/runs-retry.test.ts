import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunWithSteps } from "../../engine/model/index.ts";
import { startAppServer, type AppServer } from "../helpers/app-server.ts";
import { flow } from "../helpers/flows.ts";
import { testNodes } from "../helpers/test-nodes.ts";

type ErrorBody = { error: { code: string; message: string } };

const nodes = testNodes();
let server: AppServer;
beforeAll(async () => {
  server = await startAppServer({ catalog: nodes.catalog });
});
afterAll(async () => server?.close());

/** manual → count a → fan-out ×3 → transform → count b; the transform's expression decides success. */
function pipeline(expression: string, withTail = true) {
  return flow(
    "Pipeline",
    [
      { id: "m", type: "manual", config: { payload: { order: 7 } } },
      { id: "a", type: "test-count", config: { name: "a" } },
      { id: "f", type: "test-fanout", config: { n: 3 } },
      { id: "t", type: "transform", config: { expression } },
      ...(withTail ? [{ id: "b", type: "test-count", config: { name: "b" } }] : []),
    ],
    ["m->a", "a->f", "f->t", ...(withTail ? ["t->b"] : [])],
  );
}

async function finishedRun(runId: string): Promise<RunWithSteps> {
  await server.finished(runId);
  return (await server.api<RunWithSteps>("GET", `/api/runs/${runId}`)).body;
}

describe("retry and cancel through the API", () => {
  let flowId: string;
  let failedRun: RunWithSteps;

  it("fails a run at the broken node and keeps the journal up to it", async () => {
    const created = await server.api<{ id: string }>("POST", "/api/flows", pipeline("$notAFunction(i)"));
    expect(created.status).toBe(201);
    flowId = created.body.id;
    const started = await server.api<{ runId: string }>("POST", `/api/flows/${flowId}/run`, {});
    failedRun = await finishedRun(started.body.runId);
    expect(failedRun.status).toBe("failed");
    expect(failedRun.steps.map((s) => [s.nodeId, s.status])).toEqual([
      ["m", "succeeded"],
      ["a", "succeeded"],
      ["f", "succeeded"],
      ["t", "failed"],
    ]);
    expect(nodes.executions("a")).toBe(1);
  });

  it("retries from the fixed node on the current version, reusing the steps before it", async () => {
    const fixed = await server.api<{ version: number }>("PUT", `/api/flows/${flowId}`, { ...pipeline("{ 'order': order, 'doubled': i * 2 }"), version: 1 });
    expect(fixed.body.version).toBe(2);
    const retry = await server.api<{ runId: string }>("POST", `/api/runs/${failedRun.id}/retry`, { fromNode: "t" });
    expect(retry.status).toBe(202);
    const run = await finishedRun(retry.body.runId);
    expect(run).toMatchObject({ status: "succeeded", flowVersion: 2, retryOf: failedRun.id });

    // The journal before the node is the original one, not executed again.
    expect(nodes.executions("a")).toBe(1);
    const reused = run.steps.filter((s) => s.meta?.reusedFrom === failedRun.id);
    expect(reused.map((s) => s.seq)).toEqual([1, 2, 3]);
    expect(reused.map((s) => s.finishedAt)).toEqual(failedRun.steps.slice(0, 3).map((s) => s.finishedAt));
    // Every item of the fan-out reaches the node again: the one that failed and the two still waiting.
    const transforms = run.steps.filter((s) => s.nodeId === "t");
    expect(transforms.map((s) => s.status)).toEqual(["succeeded", "succeeded", "succeeded"]);
    expect(transforms[0]!.seq).toBe(failedRun.steps[3]!.seq);
    expect(transforms.map((s) => s.outputs.out?.[0])).toEqual([0, 1, 2].map((i) => ({ order: 7, doubled: i * 2 })));
    expect(nodes.executions("b")).toBe(3);
    expect(server.events.filter((e) => e.runId === run.id).map((e) => e.type)).toContain("run.started");
  });

  it("retries from the node on the original version when asked, which fails again", async () => {
    const retry = await server.api<{ runId: string }>("POST", `/api/runs/${failedRun.id}/retry`, { fromNode: "t", version: "original" });
    expect(retry.status).toBe(202);
    const run = await finishedRun(retry.body.runId);
    expect(run).toMatchObject({ status: "failed", flowVersion: 1 });
    expect(run.steps.at(-1)).toMatchObject({ nodeId: "t", status: "failed" });
    expect(nodes.executions("a")).toBe(1);
  });

  it("retries a whole run from its trigger message on the current version", async () => {
    const retry = await server.api<{ runId: string }>("POST", `/api/runs/${failedRun.id}/retry`);
    const run = await finishedRun(retry.body.runId);
    expect(run).toMatchObject({ status: "succeeded", flowVersion: 2, retryOf: failedRun.id });
    expect(run.steps[0]!.outputs).toEqual({ out: [{ order: 7 }] });
    expect(run.steps.some((s) => s.meta?.reusedFrom)).toBe(false);
    expect(nodes.executions("a")).toBe(2);
    // Retrying "from" the trigger is the same thing.
    const fromTrigger = await server.api<{ runId: string }>("POST", `/api/runs/${failedRun.id}/retry`, { fromNode: "m" });
    expect((await finishedRun(fromTrigger.body.runId)).status).toBe("succeeded");
    expect(nodes.executions("a")).toBe(3);
  });

  it("refuses to retry from a node that never ran, or one the chosen version no longer has", async () => {
    const notReached = await server.api<ErrorBody>("POST", `/api/runs/${failedRun.id}/retry`, { fromNode: "b" });
    expect(notReached.status).toBe(400);
    expect(notReached.body.error.code).toBe("NODE_NOT_REACHED");

    await server.api("PUT", `/api/flows/${flowId}`, { ...flow("Pipeline", [{ id: "m", type: "manual" }, { id: "a", type: "test-count", config: { name: "a" } }], ["m->a"]), version: 2 });
    const removed = await server.api<ErrorBody>("POST", `/api/runs/${failedRun.id}/retry`, { fromNode: "t" });
    expect(removed.status).toBe(400);
    expect(removed.body.error.code).toBe("NODE_NOT_IN_FLOW");
    const onOriginal = await server.api<{ runId: string }>("POST", `/api/runs/${failedRun.id}/retry`, { fromNode: "t", version: "original" });
    expect(onOriginal.status).toBe(202);
    await server.finished(onOriginal.body.runId);

    const badBody = await server.api<ErrorBody>("POST", `/api/runs/${failedRun.id}/retry`, { fromNode: "t", version: "latest" });
    expect(badBody.status).toBe(400);
    expect(badBody.body.error.code).toBe("INVALID_REQUEST");
    const missing = await server.api<ErrorBody>("POST", "/api/runs/run_nope/retry", {});
    expect(missing.status).toBe(404);
  });

  it("cancels a running run: nothing with a side effect runs after, and the run ends canceled", async () => {
    const gated = await server.api<{ id: string }>(
      "POST",
      "/api/flows",
      flow("Gated", [{ id: "m", type: "manual" }, { id: "g", type: "test-gate" }, { id: "after", type: "test-count", config: { name: "after" } }], ["m->g", "g->after"]),
    );
    const { body } = await server.api<{ runId: string }>("POST", `/api/flows/${gated.body.id}/run`, {});
    await nodes.entered();
    const canceled = await server.api<RunWithSteps>("POST", `/api/runs/${body.runId}/cancel`);
    expect(canceled.status).toBe(200);
    expect(canceled.body.status).toBe("canceled");
    expect((await server.finished(body.runId)).status).toBe("canceled");

    nodes.open();
    // The worker lets go of the run at its next durability point: before the side effect, which never runs.
    await expect.poll(() => server.engine.worker!.activeCount, { timeout: 5_000 }).toBe(0);
    const after = (await server.api<RunWithSteps>("GET", `/api/runs/${body.runId}`)).body;
    expect(after.status).toBe("canceled");
    expect(after.steps.map((s) => s.nodeId)).toEqual(["m"]);
    expect(nodes.executions("after")).toBe(0);

    const again = await server.api<ErrorBody>("POST", `/api/runs/${body.runId}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("RUN_FINISHED");
    const finished = await server.api<ErrorBody>("POST", `/api/runs/${failedRun.id}/cancel`);
    expect(finished.status).toBe(409);
    expect(finished.body.error.code).toBe("RUN_FINISHED");
    expect((await server.api("POST", "/api/runs/run_nope/cancel")).status).toBe(404);
  });
});
