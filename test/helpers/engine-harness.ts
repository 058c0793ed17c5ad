import { createEngine, type Engine, type EngineEvent } from "../../engine/index.ts";
import type { FlowInput } from "../../engine/model/index.ts";
import type { Catalog } from "../../engine/nodes/index.ts";
import { FakeClock } from "./fake-clock.ts";
import { tempSqliteStore } from "./temp-store.ts";

/** An engine on a temp SQLite file, optionally with a fake clock, plus helpers to await runs. */
export async function engineHarness(options: { fakeClock?: boolean; fetch?: typeof fetch; catalog?: Catalog } = {}) {
  const temp = tempSqliteStore();
  const clock = options.fakeClock ? new FakeClock() : undefined;
  const engine: Engine = createEngine({ store: temp.store, clock, fetch: options.fetch, catalog: options.catalog, worker: { pollMs: 50, leaseMs: 5_000 } });
  await engine.start();
  const events: EngineEvent[] = [];
  engine.events.on((e) => events.push(e));

  /** Resolves when the run finishes (or immediately if it already has). */
  function finished(runId: string, timeoutMs = 10_000): Promise<EngineEvent> {
    return new Promise((resolve, reject) => {
      const done = events.find((e) => e.type === "run.finished" && e.runId === runId);
      if (done) return resolve(done);
      const timer = setTimeout(() => reject(new Error(`run ${runId} did not finish in ${timeoutMs} ms`)), timeoutMs);
      const off = engine.events.on((e) => {
        if (e.type === "run.finished" && e.runId === runId) {
          clearTimeout(timer);
          off();
          resolve(e);
        }
      });
    });
  }

  async function runFlow(input: FlowInput, message: unknown) {
    const saved = await engine.flows.create(input);
    const trigger = saved.nodes.find((n) => engine.catalog.get(n.type)?.category === "trigger")!;
    const { runId } = await engine.runs.start({ flow: saved, triggerNodeId: trigger.id, message: message as never });
    await finished(runId);
    return (await engine.store.getRun(runId))!;
  }

  return {
    engine,
    store: temp.store,
    clock,
    events,
    finished,
    runFlow,
    async close() {
      await engine.stop(1_000);
      await temp.cleanup();
    },
  };
}
