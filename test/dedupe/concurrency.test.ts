import path from "node:path";
import { describe, expect, it } from "vitest";
import { SqliteStore } from "../../engine/index.ts";
import type { RunWithSteps } from "../../engine/model/index.ts";
import { engineHarness } from "../helpers/engine-harness.ts";
import { tempDir } from "../helpers/temp-store.ts";
import { appFor, hookDedupeFlow, outcomeOf, post, type Harness } from "./helpers.ts";
import { cleanupsAfterEach } from "../helpers/cleanups.ts";

const DELIVERIES = 200;
const KEYS = 20;

/** Sends 200 webhooks at once carrying 20 distinct ids (10 each, interleaved) and tallies the ports taken. */
async function burst(harnesses: Harness[]): Promise<{ out: number; duplicate: number; runs: RunWithSteps[] }> {
  const apps = harnesses.map(appFor);
  const responses = await Promise.all(
    Array.from({ length: DELIVERIES }, (_, i) => post(apps[i % apps.length]!, "orders", { id: `order-${i % KEYS}`, n: i })),
  );
  for (const r of responses) expect(r.status).toBe(202);
  // Either engine's worker may pick up a queued run, so wait on the shared file, not one event bus.
  const runs = await Promise.all(
    responses.map(async (r) => {
      const h = harnesses[0]!;
      if (harnesses.length > 1) return terminal(h, r.body.runId);
      await h.finished(r.body.runId, 20_000);
      return (await h.store.getRun(r.body.runId))!;
    }),
  );
  const tally = { out: 0, duplicate: 0, runs };
  for (const run of runs) tally[outcomeOf(run)]++;
  return tally;
}

async function terminal(h: Harness, runId: string, timeoutMs = 20_000): Promise<RunWithSteps> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await h.store.getRun(runId);
    if (run && ["succeeded", "failed", "canceled"].includes(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${run?.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("dedupe under concurrent webhooks", () => {
  const cleanups = cleanupsAfterEach();

  async function open(filename: string): Promise<Harness> {
    const store = new SqliteStore({ filename, synchronous: "normal" });
    const h = await engineHarness({ store, engine: { keyPruning: false, worker: { pollMs: 50, leaseMs: 5_000, concurrency: 32 } } });
    cleanups.push(() => store.close().catch(() => undefined), () => h.close());
    return h;
  }

  it("lets exactly one run per key through, also after a restart on the same file", async () => {
    const { dir, remove } = tempDir();
    cleanups.push(remove);
    const filename = path.join(dir, "runnel.db");
    let h = await open(filename);
    await h.engine.flows.create(hookDedupeFlow("Orders", "orders", { key: "body.id" }));

    const first = await burst([h]);
    expect({ out: first.out, duplicate: first.duplicate }).toEqual({ out: KEYS, duplicate: DELIVERIES - KEYS });
    const passed = new Set(first.runs.filter((r) => outcomeOf(r) === "out").map((r) => r.steps[0]!.outputs.out![0]));
    expect(passed.size).toBe(KEYS);
    for (const run of first.runs) expect(run.status).toBe("succeeded");

    await h.engine.stop(1_000);
    await h.store.close();
    h = await open(filename);
    const again = await burst([h]);
    expect({ out: again.out, duplicate: again.duplicate }).toEqual({ out: 0, duplicate: DELIVERIES });
  });

  it("holds across two engines (two connections) sharing one database file", async () => {
    const { dir, remove } = tempDir();
    cleanups.push(remove);
    const filename = path.join(dir, "runnel.db");
    const a = await open(filename);
    const saved = await a.engine.flows.create(hookDedupeFlow("Orders", "orders", { key: "body.id" }));
    const b = await open(filename);
    b.engine.router.setFlow(saved);
    const tally = await burst([a, b]);
    expect({ out: tally.out, duplicate: tally.duplicate }).toEqual({ out: KEYS, duplicate: DELIVERIES - KEYS });
  });
});
