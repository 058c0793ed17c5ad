import { afterEach, describe, expect, it } from "vitest";
import { engineHarness } from "../helpers/engine-harness.ts";
import { flow } from "../helpers/flows.ts";

describe("manual node", () => {
  let h: Awaited<ReturnType<typeof engineHarness>>;
  afterEach(() => h.close());

  it("starts a run with its saved sample payload, or the payload given", async () => {
    h = await engineHarness();
    const saved = await h.engine.flows.create(
      flow("m", [{ id: "m", type: "manual", config: { payload: { sample: true } } }, { id: "l", type: "log" }], ["m->l"]),
    );
    const first = await h.engine.runs.startManual(saved.id, undefined);
    const second = await h.engine.runs.startManual(saved.id, { given: 1 });
    await h.finished(first);
    await h.finished(second);
    expect((await h.store.getRun(first))!.steps[0]!.outputs).toEqual({ out: [{ sample: true }] });
    expect((await h.store.getRun(second))!.steps[1]!.input).toEqual({ given: 1 });
  });

  it("refuses a manual run of a flow without a manual trigger", async () => {
    h = await engineHarness();
    const saved = await h.engine.flows.create(flow("w", [{ id: "w", type: "webhook", config: { path: "w" } }], []));
    await expect(h.engine.runs.startManual(saved.id, {})).rejects.toMatchObject({ code: "NO_MANUAL_TRIGGER" });
  });
});
