import { afterEach, describe, expect, it } from "vitest";
import { newId } from "../../engine/ids.ts";
import type { FlowDocument } from "../../engine/model/index.ts";
import { engineHarness } from "../helpers/engine-harness.ts";
import { FakeClock } from "../helpers/fake-clock.ts";
import { flow } from "../helpers/flows.ts";

type Harness = Awaited<ReturnType<typeof engineHarness>>;
const DAY = 86_400_000;
const hook = (path: string) => flow(path, [{ id: "w", type: "webhook", config: { path } }, { id: "l", type: "log" }], ["w->l"]);

describe("retention", () => {
  let h: Harness;
  afterEach(async () => h?.close());

  /** Finished runs written straight to the store, `count` of them at `now`. */
  async function finishedRuns(f: FlowDocument, count: number, now: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const id = newId("run", now);
      await h.store.enqueueRun({ id, flowId: f.id, flowVersion: 1, triggerNodeId: "w", triggerType: "webhook", message: { i }, frontier: [], now, leaseTo: { owner: "x", until: now + 1 } });
      await h.store.finishRun({ runId: id, owner: "x", status: "succeeded", now, steps: [] });
      ids.push(id);
    }
    return ids;
  }

  it("prunes runs past the retention days and past the per-flow maximum, keeping the rest", async () => {
    h = await engineHarness({ fakeClock: true, engine: { worker: false, retention: { days: 14, perFlow: 5, batchSize: 4 } } });
    const a = await h.engine.flows.create(hook("a"));
    const b = await h.engine.flows.create(hook("b"));
    const start = h.clock!.now();
    const aged = await finishedRuns(b, 3, start);
    await h.clock!.advance(20 * DAY);
    const many = await finishedRuns(a, 9, h.clock!.now());
    const fresh = await finishedRuns(b, 2, h.clock!.now());
    const totals = await h.engine.retention!.runOnce();
    expect(totals.runs).toBe(3 + 4);
    for (const id of [...aged, ...many.slice(0, 4)]) expect(await h.store.getRun(id)).toBeUndefined();
    for (const id of [...many.slice(4), ...fresh]) expect(await h.store.getRun(id)).toBeDefined();
  });

  it("deletes in small batches between which ingest goes on", async () => {
    // Ids are time-ordered and never go back in time, so this clock starts after the last test's.
    h = await engineHarness({ fakeClock: new FakeClock(Date.UTC(2027, 0, 1)), engine: { worker: false, retention: { days: 1, perFlow: 0, batchSize: 50 } } });
    const f = await h.engine.flows.create(hook("c"));
    await finishedRuns(f, 1_000, h.clock!.now());
    await h.clock!.advance(2 * DAY);
    let pruneDone = false;
    const pass = h.engine.retention!.runOnce().then((t) => ((pruneDone = true), t));
    // Let the first batch start, then ingest: the new run commits while pruning is under way.
    await new Promise((resolve) => setImmediate(resolve));
    const { runId } = await h.engine.runs.start({ flow: f, triggerNodeId: "w", message: { late: true } });
    expect(pruneDone).toBe(false);
    expect((await pass).runs).toBe(1_000);
    expect((await h.store.getRun(runId))?.status).toBe("queued");
  });
});
