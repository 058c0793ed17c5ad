import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineHarness } from "../helpers/engine-harness.ts";
import { flow } from "../helpers/flows.ts";

type Harness = Awaited<ReturnType<typeof engineHarness>>;

describe("manual node", () => {
  let h: Harness;
  beforeAll(async () => (h = await engineHarness()));
  afterAll(async () => h.close());

  it("runs with its saved sample payload, or with the payload given", async () => {
    const saved = await h.engine.flows.create(
      flow("By hand", [{ id: "m", type: "manual", config: { payload: { sample: true } } }, { id: "l", type: "log" }], ["m->l"]),
    );
    const withSample = await h.engine.runs.startManual(saved.id, undefined);
    const withPayload = await h.engine.runs.startManual(saved.id, { given: 1 });
    await Promise.all([h.finished(withSample), h.finished(withPayload)]);
    expect((await h.store.getRun(withSample))!.steps[1]!.input).toEqual({ sample: true });
    expect((await h.store.getRun(withPayload))!.steps[1]!.input).toEqual({ given: 1 });
  });
});
