import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineHarness } from "../helpers/engine-harness.ts";
import { flow } from "../helpers/flows.ts";

type Harness = Awaited<ReturnType<typeof engineHarness>>;

describe("transform node", () => {
  let h: Harness;
  beforeAll(async () => (h = await engineHarness()));
  afterAll(async () => h.close());

  it("makes the expression's result the message", async () => {
    const f = flow("Map", [{ id: "m", type: "manual" }, { id: "t", type: "transform", config: { expression: '{ "user": body.user.email, "total": body.amount * 2 }' } }, { id: "l", type: "log" }], ["m->t", "t->l"]);
    const run = await h.runFlow(f, { body: { user: { email: "a@b.c" }, amount: 21 } });
    expect(run.steps[1]!.outputs.out).toEqual([{ user: "a@b.c", total: 42 }]);
    expect(run.steps[2]!.input).toEqual({ user: "a@b.c", total: 42 });
  });

  it("ends the branch when the expression yields nothing", async () => {
    const f = flow("Nothing", [{ id: "m", type: "manual" }, { id: "t", type: "transform", config: { expression: "body.missing" } }, { id: "l", type: "log" }], ["m->t", "t->l"]);
    const run = await h.runFlow(f, { body: {} });
    expect(run.status).toBe("succeeded");
    expect(run.steps.map((s) => s.nodeId)).toEqual(["m", "t"]);
  });
});
