import { afterEach, describe, expect, it } from "vitest";
import { apiHarness } from "../helpers/api-harness.ts";
import { flow } from "../helpers/flows.ts";

describe("runs API", () => {
  let h: Awaited<ReturnType<typeof apiHarness>>;
  afterEach(() => h.close());

  it("runs a flow by hand, shows the run with its steps, lists and retries it", async () => {
    h = await apiHarness();
    const created = (
      await h.call("POST", "/api/flows", flow("m", [{ id: "m", type: "manual", config: { payload: { n: 1 } } }, { id: "t", type: "transform", config: { expression: "n * 2" } }], ["m->t"]))
    ).json;
    const started = await h.call("POST", `/api/flows/${created.id}/run`, { payload: { n: 5 } });
    expect(started.status).toBe(202);
    await h.finished(started.json.runId);
    const run = (await h.call("GET", `/api/runs/${started.json.runId}`)).json;
    expect(run).toMatchObject({ id: started.json.runId, flowId: created.id, status: "succeeded", flowVersion: 1 });
    expect(run.steps.map((s: { nodeId: string; outputs: unknown }) => [s.nodeId, s.outputs])).toEqual([
      ["m", { out: [{ n: 5 }] }],
      ["t", { out: [10] }],
    ]);
    const retried = await h.call("POST", `/api/runs/${run.id}/retry`);
    expect(retried.status).toBe(202);
    await h.finished(retried.json.runId);
    const again = (await h.call("GET", `/api/runs/${retried.json.runId}`)).json;
    expect(again).toMatchObject({ retryOf: run.id, status: "succeeded" });
    const list = (await h.call("GET", `/api/runs?flowId=${created.id}&limit=1`)).json;
    expect(list.runs.map((r: { id: string }) => r.id)).toEqual([retried.json.runId]);
    const next = (await h.call("GET", `/api/runs?flowId=${created.id}&limit=1&cursor=${list.nextCursor}`)).json;
    expect(next).toEqual({ runs: [expect.objectContaining({ id: run.id })], nextCursor: null });
  });

  it("answers unknown ids with 404 and bad filters with 400", async () => {
    h = await apiHarness();
    expect((await h.call("GET", "/api/runs/run_nope")).status).toBe(404);
    expect((await h.call("POST", "/api/runs/run_nope/retry")).status).toBe(404);
    expect((await h.call("POST", "/api/runs/run_nope/cancel")).status).toBe(404);
    expect((await h.call("POST", "/api/flows/flw_nope/run", {})).status).toBe(404);
    expect((await h.call("GET", "/api/runs?status=exploded")).status).toBe(400);
    expect((await h.call("GET", "/api/runs?limit=0")).status).toBe(400);
    expect((await h.call("GET", "/api/runs?since=yesterday")).status).toBe(400);
  });
});
