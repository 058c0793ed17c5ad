import { afterEach, describe, expect, it } from "vitest";
import { engineHarness } from "../helpers/engine-harness.ts";
import { flow } from "../helpers/flows.ts";

describe("filter node", () => {
  let h: Awaited<ReturnType<typeof engineHarness>>;
  afterEach(() => h.close());

  it("sends matching messages to out and the rest to rejected", async () => {
    h = await engineHarness();
    const f = flow(
      "filter",
      [
        { id: "m", type: "manual" },
        { id: "f", type: "filter", config: { condition: "body.ref = 'refs/heads/main'" } },
        { id: "yes", type: "log" },
        { id: "no", type: "log" },
      ],
      ["m->f", "f:out->yes", "f:rejected->no"],
    );
    const passed = await h.runFlow(f, { body: { ref: "refs/heads/main" } });
    expect(passed.steps.map((s) => s.nodeId)).toEqual(["m", "f", "yes"]);
    expect(passed.steps[1]!.outputs).toEqual({ out: [{ body: { ref: "refs/heads/main" } }] });
    const rejected = await h.runFlow({ ...f, name: "again" }, { body: { ref: "refs/heads/dev" } });
    expect(rejected.steps.map((s) => s.nodeId)).toEqual(["m", "f", "no"]);
    expect(rejected.status).toBe("succeeded");
  });

  it("treats empty arrays, empty strings and zero as false, as JSONata does", async () => {
    h = await engineHarness();
    const f = flow("truthy", [{ id: "m", type: "manual" }, { id: "f", type: "filter", config: { condition: "body.v" } }], ["m->f"]);
    for (const [v, port] of [[[], "rejected"], ["", "rejected"], [0, "rejected"], [{}, "rejected"], [["x"], "out"], ["x", "out"], [2, "out"]] as const) {
      const run = await h.runFlow({ ...f, name: `t${JSON.stringify(v)}` }, { body: { v } });
      expect(Object.keys(run.steps[1]!.outputs), JSON.stringify(v)).toEqual([port]);
    }
  });

  it("fails the run with the expression and position when the condition errors", async () => {
    h = await engineHarness();
    const f = flow("bad", [{ id: "m", type: "manual" }, { id: "f", type: "filter", config: { condition: "$number(body.x) > 1" } }], ["m->f"]);
    const run = await h.runFlow(f, { body: { x: "abc" } });
    expect(run.status).toBe("failed");
    expect(run.steps[1]).toMatchObject({ status: "failed", error: { code: "EXPRESSION_ERROR" } });
    expect(run.steps[1]!.error!.message).toContain("$number(body.x) > 1");
    expect(run.error).toMatchObject({ code: "EXPRESSION_ERROR", details: { nodeId: "f" } });
  });
});
