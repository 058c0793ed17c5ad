import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineHarness } from "../helpers/engine-harness.ts";
import { flow } from "../helpers/flows.ts";

type Harness = Awaited<ReturnType<typeof engineHarness>>;

describe("filter node", () => {
  let h: Harness;
  beforeAll(async () => (h = await engineHarness()));
  afterAll(async () => h.close());

  const onlyMain = flow(
    "Only main",
    [{ id: "m", type: "manual" }, { id: "f", type: "filter", config: { condition: "body.ref = 'refs/heads/main'" } }, { id: "yes", type: "log" }, { id: "no", type: "log" }],
    ["m->f", "f:out->yes", "f:rejected->no"],
  );

  it.each([
    ["refs/heads/main", "yes"],
    ["refs/heads/dev", "no"],
  ])("routes %s to %s", async (ref, reached) => {
    const run = await h.runFlow(onlyMain, { body: { ref } });
    expect(run.steps.map((s) => s.nodeId)).toEqual(["m", "f", reached]);
  });
});
