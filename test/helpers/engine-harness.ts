import path from "node:path";
import { createEngine, SqliteStore, type Engine, type EngineEvent, type EngineOptions } from "../../engine/index.ts";
import type { FlowInput } from "../../engine/model/index.ts";
import { generateSecretKey, parseSecretKey } from "../../engine/security/credential-crypto.ts";
import { FakeClock } from "./fake-clock.ts";
import { tempDir } from "./temp-store.ts";

export interface HarnessOptions {
  /** A FakeClock to share (e.g. across a restart), or true for a fresh one. */
  fakeClock?: boolean | FakeClock;
  fetch?: typeof fetch;
  catalog?: EngineOptions["catalog"];
  logger?: EngineOptions["logger"];
  /** Use this store (e.g. a reopened file) instead of a fresh temp one; the caller closes it. */
  store?: SqliteStore;
  /** Open this SQLite file instead of a fresh temp one; close() closes it and leaves the file. */
  filename?: string;
  /** Any other engine option. */
  engine?: Partial<EngineOptions>;
}

/** An engine on a temp SQLite file, optionally with a fake clock, plus helpers to await runs. */
export async function engineHarness(options: HarnessOptions = {}) {
  const temp = options.store || options.filename ? undefined : tempDir();
  const filename = options.filename ?? (temp ? path.join(temp.dir, "runnel.db") : undefined);
  const ownStore = filename === undefined ? undefined : new SqliteStore({ filename, synchronous: "normal" });
  const store = options.store ?? ownStore!;
  const clock = options.fakeClock instanceof FakeClock ? options.fakeClock : options.fakeClock ? new FakeClock() : undefined;
  const engine: Engine = createEngine({
    store,
    clock,
    fetch: options.fetch,
    catalog: options.catalog,
    logger: options.logger,
    worker: { pollMs: 50, leaseMs: 5_000 },
    secretKey: parseSecretKey(generateSecretKey()),
    ...options.engine,
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
      await ownStore?.close();
      temp?.remove();
    },
  };
}
