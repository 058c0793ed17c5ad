import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { Catalog, builtinNodes, defineNode } from "../../engine/nodes/index.ts";
import { apiHarness } from "../helpers/api-harness.ts";
import { flow } from "../helpers/flows.ts";

const pipeline = (respond: "accepted" | "respond", path = "orders") =>
  flow(
    `pipeline ${respond}`,
    [
      { id: "w", type: "webhook", config: { path, respond } },
      { id: "f", type: "filter", config: { condition: "body.amount > 10" } },
      { id: "t", type: "transform", config: { expression: '{ "order": body.id, "net": body.amount * 0.8 }' } },
      { id: "r", type: "respond", config: {} },
    ],
    ["w->f", "f:out->t", "t->r"],
  );

describe("webhook ingress", () => {
  let h: Awaited<ReturnType<typeof apiHarness>>;
  afterEach(() => h.close());

  it("respond mode answers with the transformed body and logs 4 steps", async () => {
    h = await apiHarness();
    await h.engine.flows.create(pipeline("respond"));
    const res = await h.call("POST", "/hooks/orders?src=test", { id: "o-1", amount: 50 }, { "x-trace": "abc" });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ order: "o-1", net: 40 });
    const runId = (await h.store.listRuns({ limit: 1 })).runs[0]!.id;
    await h.finished(runId);
    const run = (await h.call("GET", `/api/runs/${runId}`)).json;
    expect(run.steps).toHaveLength(4);
    expect(run.steps.map((s: { nodeType: string; status: string }) => `${s.nodeType}:${s.status}`)).toEqual([
      "webhook:succeeded",
      "filter:succeeded",
      "transform:succeeded",
      "respond:succeeded",
    ]);
    const trigger = run.steps[0].outputs.out[0];
    expect(trigger).toMatchObject({ body: { id: "o-1", amount: 50 }, query: { src: "test" }, method: "POST", path: "/orders", params: {} });
    expect(trigger.headers["x-trace"]).toBe("abc");
    expect(run.steps[0].input).toBeNull();
    expect(run.steps[1].input).toEqual(trigger);
    expect(run.steps[3].input).toEqual({ order: "o-1", net: 40 });
    for (const step of run.steps) expect(step).toEqual(expect.objectContaining({ outputs: expect.any(Object), startedAt: expect.any(String), finishedAt: expect.any(String) }));
  });

  it("respond mode without a reply answers with the run's outcome", async () => {
    h = await apiHarness();
    await h.engine.flows.create(pipeline("respond"));
    const filtered = await h.call("POST", "/hooks/orders", { id: "small", amount: 1 });
    expect(filtered.status).toBe(200);
    expect(filtered.json).toEqual({ runId: expect.stringMatching(/^run_/), status: "succeeded" });
    await h.engine.flows.create(
      flow("failing", [{ id: "w", type: "webhook", config: { path: "fails", respond: "respond" } }, { id: "t", type: "transform", config: { expression: "$error('boom')" } }], ["w->t"]),
    );
    const failed = await h.call("POST", "/hooks/fails", {});
    expect(failed.status).toBe(500);
    expect(failed.json.error).toMatchObject({ code: "RUN_FAILED", runId: expect.stringMatching(/^run_/) });
  });

  it("respond mode gives up with 504 after timeoutMs while the run goes on", async () => {
    const slow = defineNode({
      type: "test-sleep",
      category: "logic",
      title: "Sleep (test)",
      description: "waits 300 ms",
      icon: "clock",
      outputs: ["out"],
      config: z.object({}),
      run: async (_ctx, msg) => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        return { out: [msg] };
      },
    });
    h = await apiHarness({ catalog: new Catalog([...builtinNodes, slow]) });
    await h.engine.flows.create(
      flow(
        "slow",
        [
          { id: "w", type: "webhook", config: { path: "slow", respond: "respond", timeoutMs: 100 } },
          { id: "s", type: "test-sleep" },
          { id: "r", type: "respond", config: {} },
        ],
        ["w->s", "s->r"],
      ),
    );
    const res = await h.call("POST", "/hooks/slow", {});
    expect(res.status).toBe(504);
    expect(res.json.error).toMatchObject({ code: "RESPOND_TIMEOUT", runId: expect.stringMatching(/^run_/) });
    await h.finished(res.json.error.runId);
    const run = await h.store.getRun(res.json.error.runId);
    expect(run?.status).toBe("succeeded");
    expect(run?.steps.map((s) => s.nodeId)).toEqual(["w", "s", "r"]);
  });

  it("accepted mode answers 202 once the run is committed, and the run finishes moments later", async () => {
    h = await apiHarness();
    await h.engine.flows.create(pipeline("accepted"));
    const res = await h.call("POST", "/hooks/orders", { id: "o-2", amount: 99 });
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ runId: expect.stringMatching(/^run_/) });
    expect((await h.store.getRun(res.json.runId))?.steps[0]?.outputs.out?.[0]).toMatchObject({ body: { id: "o-2" } });
    await h.finished(res.json.runId);
    const run = await h.store.getRun(res.json.runId);
    expect(run?.status).toBe("succeeded");
    expect(run?.steps).toHaveLength(4);
  });

  it("replays a repeated delivery id instead of starting a second run", async () => {
    h = await apiHarness();
    await h.engine.flows.create(pipeline("accepted"));
    const first = await h.call("POST", "/hooks/orders", { id: 1, amount: 20 }, { "webhook-id": "msg_1" });
    const again = await h.call("POST", "/hooks/orders", { id: 1, amount: 20 }, { "webhook-id": "msg_1" });
    expect(first.status).toBe(202);
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.json.runId).toBe(first.json.runId);
    expect((await h.store.listRuns({ limit: 10 })).runs).toHaveLength(1);
  });

  it("routes path parameters, and answers unknown paths 404 and wrong methods 405", async () => {
    h = await apiHarness();
    await h.engine.flows.create(
      flow("params", [{ id: "w", type: "webhook", config: { path: "orders/:id/items", method: "PUT" } }], []),
    );
    const res = await h.call("PUT", "/hooks/orders/o%2F7/items", { qty: 1 });
    expect(res.status).toBe(202);
    expect((await h.store.getRunMessage(res.json.runId)) as object).toMatchObject({ params: { id: "o/7" }, method: "PUT" });
    const wrong = await h.call("POST", "/hooks/orders/1/items", {});
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("PUT");
    expect((await h.call("PUT", "/hooks/orders/1", {})).status).toBe(404);
  });

  it("rejects malformed and oversized bodies with JSON errors and stores nothing", async () => {
    h = await apiHarness({ maxBodyBytes: 2048 });
    await h.engine.flows.create(pipeline("accepted"));
    const bad = await h.call("POST", "/hooks/orders", '{"id": 1,');
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe("INVALID_JSON");
    const big = await h.call("POST", "/hooks/orders", JSON.stringify({ pad: "x".repeat(5000) }));
    expect(big.status).toBe(413);
    expect(big.json.error.code).toBe("PAYLOAD_TOO_LARGE");
    expect((await h.store.listRuns({ limit: 10 })).runs).toHaveLength(0);
    const text = await h.call("POST", "/hooks/orders", "plain words", { "content-type": "text/plain" });
    expect(text.status).toBe(202);
    expect(await h.store.getRunMessage(text.json.runId)).toMatchObject({ body: "plain words" });
  });
});
