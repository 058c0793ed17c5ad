import { afterEach, describe, expect, it } from "vitest";
import type { EngineOptions } from "../../engine/index.ts";
import { engineHarness } from "../helpers/engine-harness.ts";
import { flow } from "../helpers/flows.ts";
import { probeCatalog } from "../helpers/probe-node.ts";

type Harness = Awaited<ReturnType<typeof engineHarness>>;

const probeChain = (configs: Record<string, unknown>[]) =>
  flow(
    "Limits",
    [{ id: "m", type: "manual" }, ...configs.map((config, i) => ({ id: `p${i + 1}`, type: "probe", config }))],
    configs.map((_, i) => `${i === 0 ? "m" : `p${i}`}->p${i + 1}`),
  );

describe("per-run limits", () => {
  let h: Harness;
  let probes: ReturnType<typeof probeCatalog>;

  async function setup(limits: EngineOptions["limits"]) {
    probes = probeCatalog();
    h = await engineHarness({ engine: { catalog: probes.catalog, limits, retention: false } });
  }
  afterEach(async () => h?.close());

  it("truncates a large output in the log with a visible marker but passes it whole downstream", async () => {
    await setup({ maxStepBytes: 2_048 });
    const run = await h.runFlow(probeChain([{ bytes: 10_000 }, {}]), {});
    expect(run.status).toBe("succeeded");
    expect(probes.ran("p2")[0]!.input).toEqual({ from: "p1", blob: "x".repeat(10_000) });
    const logged = run.steps.find((s) => s.nodeId === "p1")!.outputs.out![0] as Record<string, unknown>;
    expect(logged).toMatchObject({ $truncated: true, bytes: 10_023 });
    expect(logged.preview).toMatch(/^\{"from":"p1","blob":"xxx/);
    expect(JSON.stringify(run.steps.find((s) => s.nodeId === "p1")!.outputs).length).toBeLessThanOrEqual(2_048);
    // The journal keeps no hidden copy once the run is over.
    expect((await h.store.getJournal(run.id)).every((s) => s.payload === undefined)).toBe(true);
  });

  it("fails a run whose data outgrows the run budget with RUN_DATA_LIMIT", async () => {
    await setup({ maxRunBytes: 15_000 });
    const run = await h.runFlow(probeChain([{ bytes: 8_000 }, { bytes: 8_000 }, {}]), {});
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ code: "RUN_DATA_LIMIT", details: { nodeId: "p2" } });
    expect(run.steps.find((s) => s.nodeId === "p2")).toMatchObject({ status: "failed", error: { code: "RUN_DATA_LIMIT" }, outputs: {} });
    expect(probes.ran("p3")).toEqual([]);
  });

  it("stops a run past the step limit with RUN_STEP_LIMIT", async () => {
    await setup({ maxSteps: 3 });
    const run = await h.runFlow(probeChain([{}, {}, {}, {}]), {});
    expect(run.status).toBe("failed");
    expect(run.error?.code).toBe("RUN_STEP_LIMIT");
    expect(probes.calls.map((c) => c.nodeId)).toEqual(["p1", "p2"]);
  });

  it("fails a fan-out past the step limit before scheduling any of it", async () => {
    await setup({ maxSteps: 50 });
    const fanOut = flow("Fan-out", [{ id: "m", type: "manual" }, { id: "s", type: "split", config: { path: "items" } }, { id: "p", type: "probe" }], ["m->s", "s->p"]);
    const run = await h.runFlow(fanOut, { items: Array.from({ length: 500 }, (_, i) => i) });
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ code: "RUN_STEP_LIMIT", details: { nodeId: "s" } });
    expect(probes.calls).toEqual([]);
  });

  it("fails the step of a node that emits what JSON cannot hold, and the engine carries on", async () => {
    await setup({});
    const bad = await h.runFlow(probeChain([{ unserialisable: true }, {}]), {});
    expect(bad.status).toBe("failed");
    expect(bad.error?.code).toBe("INVALID_OUTPUT");
    const good = await h.runFlow({ ...probeChain([{}]), name: "Still fine" }, { ok: 1 });
    expect(good.status).toBe("succeeded");
  });
});
