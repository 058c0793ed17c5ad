import path from "node:path";
import { createEngine, SqliteStore, type Engine, type EngineEvent, type EngineOptions } from "../../engine/index.ts";
import type { FlowInput } from "../../engine/model/index.ts";
import { FakeClock } from "./fake-clock.ts";
import { tempDir } from "./temp-store.ts";

export interface HarnessOptions {
  fakeClock?: boolean;
  /** Use this clock (implies a fake clock), e.g. to share time across a restart. */
  clock?: FakeClock;
  fetch?: typeof fetch;
  catalog?: EngineOptions["catalog"];
  /** Open this SQLite file instead of a fresh temp one; close() then leaves it in place. */
  filename?: string;
  logger?: EngineOptions["logger"];
}

/** An engine on a temp SQLite file, optionally with a fake clock, plus helpers to await runs. */
export async function engineHarness(options: HarnessOptions = {}) {
  const temp = options.filename ? undefined : tempDir();
  const filename = options.filename ?? path.join(temp!.dir, "runnel.db");
  const store = new SqliteStore({ filename, synchronous: "normal" });
  const clock = options.clock ?? (options.fakeClock ? new FakeClock() : undefined);
  const engine: Engine = createEngine({
    store,
    clock,
    fetch: options.fetch,
    catalog: options.catalog,
    logger: options.logger,
    worker: { pollMs: 50, leaseMs: 5_000 },
  });
  const events: EngineEvent[] = [];
  engine.events.on((e) => events.push(e));
  await engine.start();

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

  function isFinished(runId: string): boolean {
    return events.some((e) => e.type === "run.finished" && e.runId === runId);
  }

  /** Saves the flow and starts a run from its first trigger with `message`, without waiting. */
  async function startFlow(input: FlowInput, message: unknown) {
    const saved = await engine.flows.create(input);
    const trigger = saved.nodes.find((n) => engine.catalog.get(n.type)?.category === "trigger")!;
    const { runId } = await engine.runs.start({ flow: saved, triggerNodeId: trigger.id, message: message as never });
    return { flow: saved, runId };
  }

  async function runFlow(input: FlowInput, message: unknown) {
    const { runId } = await startFlow(input, message);
    await finished(runId);
    return (await engine.store.getRun(runId))!;
  }

  return {
    engine,
    store,
    filename,
    clock,
    events,
    finished,
    isFinished,
    startFlow,
    runFlow,
    async close() {
      await engine.stop(1_000);
      await store.close();
      temp?.remove();
    },
  };
}
