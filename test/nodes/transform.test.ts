import { afterEach, describe, expect, it } from "vitest";
import { engineHarness } from "../helpers/engine-harness.ts";
import { flow } from "../helpers/flows.ts";

describe("transform node", () => {
  let h: Awaited<ReturnType<typeof engineHarness>>;
  afterEach(() => h.close());

  it("replaces the message with the expression's result, with $run, $flow and $node bound", async () => {
    h = await engineHarness();
    const f = flow(
      "t",
      [
        { id: "m", type: "manual", name: "Start" },
        { id: "a", type: "transform", name: "Shape", config: { expression: '{ "total": body.amount * 2, "who": body.user.email }' } },
        { id: "b", type: "transform", config: { expression: '{ "run": $run, "flow": $flow.name, "first": $node("Start").body.amount, "shaped": $node("Shape").total, "hasNow": $exists($now()) }' } },
      ],
      ["m->a", "a->b"],
    );
    const run = await h.runFlow(f, { body: { amount: 21, user: { email: "a@b.c" } } });
    expect(run.steps[1]!.outputs).toEqual({ out: [{ total: 42, who: "a@b.c" }] });
    expect(run.steps[2]!.outputs.out![0]).toEqual({ run: run.id, flow: "t", first: 21, shaped: 42, hasNow: true });
    expect(run.steps[2]!.input).toEqual({ total: 42, who: "a@b.c" });
  });

  it("ends the branch when the expression yields nothing", async () => {
    h = await engineHarness();
    const f = flow("none", [{ id: "m", type: "manual" }, { id: "a", type: "transform", config: { expression: "body.missing" } }, { id: "l", type: "log" }], ["m->a", "a->l"]);
    const run = await h.runFlow(f, { body: {} });
    expect(run.steps.map((s) => s.nodeId)).toEqual(["m", "a"]);
    expect(run.steps[1]!.meta).toMatchObject({ note: expect.stringContaining("nothing") });
  });
});
