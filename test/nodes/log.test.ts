import { afterEach, describe, expect, it } from "vitest";
import { engineHarness } from "../helpers/engine-harness.ts";
import { flow } from "../helpers/flows.ts";

describe("log node", () => {
  let h: Awaited<ReturnType<typeof engineHarness>>;
  afterEach(() => h.close());

  it("renders its template into the run log and passes the message on", async () => {
    h = await engineHarness();
    const f = flow(
      "log",
      [{ id: "m", type: "manual" }, { id: "l", type: "log", config: { level: "warn", message: "order {{ body.id }} for {{ body.user }}" } }, { id: "next", type: "log" }],
      ["m->l", "l->next"],
    );
    const run = await h.runFlow(f, { body: { id: 7, user: { name: "ann" } } });
    expect(run.steps[1]!.meta).toEqual({ logged: 'order 7 for {"name":"ann"}' });
    expect(run.steps[1]!.outputs).toEqual({ out: [{ body: { id: 7, user: { name: "ann" } } }] });
    expect(run.steps[2]!.input).toEqual({ body: { id: 7, user: { name: "ann" } } });
  });
});
