import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeNodeType } from "../../engine/index.ts";
import { engineHarness } from "../helpers/engine-harness.ts";
import { flow } from "../helpers/flows.ts";

type Harness = Awaited<ReturnType<typeof engineHarness>>;

describe("switch node", () => {
  let h: Harness;
  beforeAll(async () => (h = await engineHarness()));
  afterAll(async () => h.close());

  const router = flow(
    "Route by amount",
    [
      { id: "m", type: "manual" },
      {
        id: "s",
        type: "switch",
        config: { rules: [{ port: "big", condition: "amount > 100" }, { port: "positive", condition: "amount > 0" }] },
      },
      { id: "big", type: "log" },
      { id: "positive", type: "log" },
      { id: "other", type: "log" },
    ],
    ["m->s", "s:big->big", "s:positive->positive", "s:default->other"],
  );

  it.each([
    [500, "big"],
    [50, "positive"],
    [-1, "other"],
  ])("sends amount %d to %s; the first matching rule wins", async (amount, reached) => {
    const run = await h.runFlow(router, { amount });
    expect(run.status).toBe("succeeded");
    const visited = run.steps.slice(1).map((s) => s.nodeId);
    expect(visited).toEqual(["s", reached]);
    expect(run.steps[2]!.input).toEqual({ amount });
  });

  it("derives its ports from the rules, and refuses edges from ports no rule names", async () => {
    const bad = flow("Bad port", [{ id: "m", type: "manual" }, { id: "s", type: "switch", config: { rules: [{ port: "a", condition: "true" }] } }, { id: "l", type: "log" }], ["m->s", "s:b->l"]);
    const error = await h.engine.flows.create(bad).catch((e) => e);
    expect(error.code).toBe("INVALID_FLOW");
    expect(error.details.problems[0].message).toContain("ports: a, default");
    const dup = flow("Dup", [{ id: "m", type: "manual" }, { id: "s", type: "switch", config: { rules: [{ port: "a", condition: "1" }, { port: "a", condition: "2" }] } }], ["m->s"]);
    const dupError = await h.engine.flows.create(dup).catch((e) => e);
    expect(dupError.details.problems).toEqual([{ nodeId: "s", field: "config.rules.1.port", message: 'port "a" is used by two rules' }]);
    expect(describeNodeType(h.engine.catalog.get("switch")!).outputs).toEqual(["default"]);
  });
});
