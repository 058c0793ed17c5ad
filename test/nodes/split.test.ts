import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineHarness } from "../helpers/engine-harness.ts";
import { flow } from "../helpers/flows.ts";

type Harness = Awaited<ReturnType<typeof engineHarness>>;

describe("split node", () => {
  let h: Harness;
  beforeAll(async () => (h = await engineHarness()));
  afterAll(async () => h.close());

  const splitter = (config: Record<string, unknown>) =>
    flow("Split", [{ id: "m", type: "manual" }, { id: "s", type: "split", config }, { id: "l", type: "log", config: { message: "{{ item.id }}" } }], ["m->s", "s->l"]);

  it("sends one message { item, index, total } per element, each to its own downstream step", async () => {
    const run = await h.runFlow(splitter({ path: "body.items" }), { body: { items: [{ id: "a" }, { id: "b" }, { id: "c" }] } });
    expect(run.status).toBe("succeeded");
    expect(run.steps[1]!.outputs.out).toEqual([
      { item: { id: "a" }, index: 0, total: 3 },
      { item: { id: "b" }, index: 1, total: 3 },
      { item: { id: "c" }, index: 2, total: 3 },
    ]);
    const logs = run.steps.filter((s) => s.nodeId === "l");
    expect(logs.map((s) => s.meta?.logged)).toEqual(["a", "b", "c"]);
  });

  it("treats a lone value as one item and a missing path as none", async () => {
    const one = await h.runFlow(splitter({ path: "body.items" }), { body: { items: { id: "only" } } });
    expect(one.steps[1]!.outputs.out).toEqual([{ item: { id: "only" }, index: 0, total: 1 }]);
    const none = await h.runFlow(splitter({ path: "body.missing" }), { body: {} });
    expect(none.status).toBe("succeeded");
    expect(none.steps[1]!.outputs.out).toEqual([]);
    expect(none.steps).toHaveLength(2);
  });

  it("fails the step rather than flooding the run past maxItems", async () => {
    const run = await h.runFlow(splitter({ path: "[1..5]", maxItems: 3 }), {});
    expect(run.status).toBe("failed");
    expect(run.steps[1]!.error).toMatchObject({ code: "SPLIT_TOO_LARGE", attempt: 1 });
  });
});
