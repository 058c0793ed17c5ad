import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineHarness } from "../helpers/engine-harness.ts";
import { flow } from "../helpers/flows.ts";

type Harness = Awaited<ReturnType<typeof engineHarness>>;

describe("log node", () => {
  let h: Harness;
  beforeAll(async () => (h = await engineHarness()));
  afterAll(async () => h.close());

  it("renders its message template into the run log and passes the message on", async () => {
    const f = flow("Log", [{ id: "m", type: "manual" }, { id: "l", type: "log", config: { level: "warn", message: "order {{ body.id }} for {{ body.total }} EUR" } }, { id: "t", type: "transform", config: { expression: "body.id" } }], ["m->l", "l->t"]);
    const run = await h.runFlow(f, { body: { id: 7, total: 9.5 } });
    expect(run.steps[1]!.meta).toEqual({ logged: "order 7 for 9.5 EUR" });
    expect(run.steps[1]!.outputs.out).toEqual([{ body: { id: 7, total: 9.5 } }]);
    expect(run.steps[2]!.outputs.out).toEqual([7]);
  });
});
