import { afterEach, describe, expect, it } from "vitest";
import { apiHarness } from "../helpers/api-harness.ts";
import { flow } from "../helpers/flows.ts";

describe("respond node", () => {
  let h: Awaited<ReturnType<typeof apiHarness>>;
  afterEach(() => h.close());

  it("answers the waiting webhook with its status, templated headers and body", async () => {
    h = await apiHarness();
    await h.engine.flows.create(
      flow(
        "r",
        [
          { id: "w", type: "webhook", config: { path: "r", respond: "respond" } },
          { id: "r", type: "respond", config: { status: 201, headers: { "x-order": "{{ body.id }}" }, body: '{ "ok": true, "id": body.id }' } },
        ],
        ["w->r"],
      ),
    );
    const res = await h.call("POST", "/hooks/r", { id: 12 });
    expect(res.status).toBe(201);
    expect(res.headers.get("x-order")).toBe("12");
    expect(res.json).toEqual({ ok: true, id: 12 });
  });

  it("is a recorded no-op when the webhook answered at once (accepted mode)", async () => {
    h = await apiHarness();
    await h.engine.flows.create(
      flow("a", [{ id: "w", type: "webhook", config: { path: "a" } }, { id: "r", type: "respond", config: {} }], ["w->r"]),
    );
    const res = await h.call("POST", "/hooks/a", { id: 1 });
    expect(res.status).toBe(202);
    await h.finished(res.json.runId);
    const run = await h.store.getRun(res.json.runId);
    expect(run!.steps[1]).toMatchObject({ nodeType: "respond", status: "succeeded", meta: { replied: false } });
  });

  it("only the first respond node to execute answers", async () => {
    h = await apiHarness();
    await h.engine.flows.create(
      flow(
        "two",
        [
          { id: "w", type: "webhook", config: { path: "two", respond: "respond" } },
          { id: "r1", type: "respond", config: { body: '"first"' } },
          { id: "r2", type: "respond", config: { body: '"second"' } },
        ],
        ["w->r1", "w->r2"],
      ),
    );
    const res = await h.call("POST", "/hooks/two", {});
    expect(res.text).toBe("first");
    const runId = (await h.store.listRuns({ limit: 1 })).runs[0]!.id;
    await h.finished(runId);
    const run = await h.store.getRun(runId);
    expect(run!.steps.map((s) => s.meta?.replied)).toEqual([undefined, true, false]);
  });
});
