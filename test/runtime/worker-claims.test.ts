import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteStore } from "../../engine/index.ts";
import { engineHarness } from "../helpers/engine-harness.ts";
import { flow } from "../helpers/flows.ts";
import { probeCatalog } from "../helpers/probe-node.ts";
import { tempDir } from "../helpers/temp-store.ts";

describe("the worker's claim rounds", () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it("claims queued runs as slots free up, then claims once per poll while every new run is adopted at enqueue", async () => {
    const probes = probeCatalog();
    const temp = tempDir();
    cleanup.push(() => temp.remove());
    const store = new SqliteStore({ filename: path.join(temp.dir, "runnel.db") });
    cleanup.push(() => store.close());
    const pollMs = 100;
    const h = await engineHarness({ store, catalog: probes.catalog, engine: { worker: { concurrency: 16, pollMs, leaseMs: 30_000 }, retention: false } });
    cleanup.push(() => h.close());
    let claims = 0;
    const claimRuns = store.claimRuns.bind(store);
    // A round that takes a while, as on a slow disk: runs end while it waits.
    store.claimRuns = async (...args) => {
      claims++;
      const claimed = await claimRuns(...args);
      await new Promise((resolve) => setTimeout(resolve, 10));
      return claimed;
    };
    const saved = await h.engine.flows.create(flow("Short step", [{ id: "m", type: "manual" }, { id: "p", type: "probe", config: { holdMs: 1 } }], ["m->p"]));
    const start = async () => (await h.engine.runs.start({ flow: saved, triggerNodeId: "m", message: {} })).runId;

    // Twelve at once on four slots: eight are queued and must be claimed as the first ones end.
    const burst = await Promise.all(Array.from({ length: 24 }, start));
    for (const runId of burst) expect((await h.finished(runId)).status).toBe("succeeded");

    // Then three steady streams that always find a free slot: every run is adopted, none queued.
    const before = claims;
    const startedAt = performance.now();
    const stream = async () => {
      for (let i = 0; i < 100; i++) await h.finished(await start());
    };
    await Promise.all(Array.from({ length: 10 }, stream));
    const polls = (performance.now() - startedAt) / pollMs;
    expect(probes.ran("p")).toHaveLength(24 + 1_000);
    // One round per poll, which finds the queue empty. Before, a run that ended during a round
    // started another one, so under a steady load the rounds followed one another without end.
    expect(claims - before).toBeLessThanOrEqual(Math.ceil(polls) + 2);
  });
});
