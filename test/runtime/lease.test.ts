import { afterEach, describe, expect, it } from "vitest";
import { engineHarness } from "../helpers/engine-harness.ts";
import { flow } from "../helpers/flows.ts";
import { probeCatalog } from "../helpers/probe-node.ts";

type Harness = Awaited<ReturnType<typeof engineHarness>>;

describe("leases between two workers on one database", () => {
  const harnesses: Harness[] = [];
  afterEach(async () => {
    for (const h of harnesses.splice(0).reverse()) await h.close();
  });

  it("renews the lease of a long step, so a second worker polling all along never takes the run over", async () => {
    const probes = probeCatalog();
    const worker = { pollMs: 20, leaseMs: 1_000 };
    const a = await engineHarness({ catalog: probes.catalog, engine: { worker, retention: false } });
    harnesses.push(a);
    const b = await engineHarness({ filename: a.filename, catalog: probes.catalog, engine: { worker, retention: false } });
    harnesses.push(b);
    const saved = await a.engine.flows.create(flow("Long step", [{ id: "m", type: "manual" }, { id: "p", type: "probe", config: { holdMs: 3_000 } }], ["m->p"]));
    const { runId } = await a.engine.runs.start({ flow: saved, triggerNodeId: "m", message: {} });
    expect((await a.finished(runId, 10_000)).status).toBe("succeeded");
    // Three lease periods long, executed once: renewal kept the run with its first worker.
    expect(probes.ran("p")).toHaveLength(1);
  });
});
