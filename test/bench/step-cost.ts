/**
 * Engine cost per step: CPU time (user + system, so fsync waits do not count) of runs through a
 * chain of ten nodes of one type, minus a run with no step after its trigger, divided by ten; then,
 * in a second pass, the bytes allocated the same way (steadier than CPU time on a noisy machine).
 * In process, on a temp SQLite file with synchronous=FULL, journaling every step as in production.
 */
import path from "node:path";
import { createEngine, SqliteStore } from "../../engine/index.ts";
import { flow } from "../helpers/flows.ts";
import { tempDir } from "../helpers/temp-store.ts";
import { allocatedBytes } from "./allocation.ts";
import { FILTER_CONDITION, TRANSFORM_EXPRESSION } from "./bench-flows.ts";

const CHAIN = 10;
const IN_FLIGHT = 64;

const chainConfig: Record<string, (i: number) => Record<string, unknown>> = {
  filter: () => ({ condition: FILTER_CONDITION }),
  dedupe: (i) => ({ key: `body.id & "-${i}"` }),
  transform: () => ({ expression: `$merge([$, { "seen": ${TRANSFORM_EXPRESSION} }])` }),
  respond: () => ({}),
};

export const STEP_TYPES = Object.keys(chainConfig);

export interface StepCosts {
  /** CPU µs per step by node type, and of a run with only its trigger. */
  cpuMicros: Record<string, number>;
  /** KB allocated per step by node type, and by a run with only its trigger. */
  allocatedKB: Record<string, number>;
}

/** CPU µs and KB allocated per step for each node type. */
export async function stepCosts(runs: number): Promise<StepCosts> {
  const temp = tempDir("runnel-bench-steps-");
  const store = new SqliteStore({ filename: path.join(temp.dir, "steps.db") });
  const engine = createEngine({ store, worker: { concurrency: IN_FLIGHT, pollMs: 200 }, keyPruning: false, triggers: false });
  await engine.start();
  try {
    let flows = 0;
    const perRun = async (type: string | undefined): Promise<number> => {
      const ids = Array.from({ length: type ? CHAIN : 0 }, (_, i) => `n${i}`);
      const nodes = [
        { id: "hook", type: "webhook", config: { path: `steps-${flows++}` } },
        ...ids.map((id, i) => ({ id, type: type!, config: chainConfig[type!]!(i) })),
      ];
      const edges = ids.map((id, i) => `${i === 0 ? "hook" : ids[i - 1]}->${id}`);
      const saved = await engine.flows.create(flow(`steps ${type ?? "none"}`, nodes, edges));
      const cpu = process.cpuUsage();
      let finished = 0;
      let done!: () => void;
      const all = new Promise<void>((resolve) => (done = resolve));
      const off = engine.events.on((e) => {
        if (e.type === "run.finished" && e.flowId === saved.id && ++finished === runs) done();
      });
      let next = 0;
      const sender = async () => {
        while (next < runs) {
          const n = next++;
          const body = { id: `s-${n}`, amount: (n % 97) + 1, user: { email: `User${n}@Example.com` } };
          await engine.runs.start({ flow: saved, triggerNodeId: "hook", message: { body, headers: {}, query: {}, params: {}, method: "POST", path: "/" } });
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, sender));
      const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`step-cost ${type} did not finish in 120 s`)), 120_000).unref());
      await Promise.race([all, timeout]);
      off();
      const used = process.cpuUsage(cpu);
      return (used.user + used.system) / runs;
    };
    await perRun("filter"); // warm-up: JIT, statement caches
    const perStep = async (measure: (type: string | undefined) => Promise<number>, round: (n: number) => number) => {
      const base = await measure(undefined);
      const costs: Record<string, number> = {};
      for (const type of STEP_TYPES) costs[type] = round(((await measure(type)) - base) / CHAIN);
      costs["run overhead (trigger only)"] = round(base);
      return costs;
    };
    const cpuMicros = await perStep(perRun, Math.round);
    const allocatedKB = await perStep(async (type) => {
      const bytes = await allocatedBytes(async () => void (await perRun(type)));
      return bytes / runs / 1024;
    }, (kb) => Math.round(kb * 10) / 10);
    return { cpuMicros, allocatedKB };
  } finally {
    await engine.stop(5_000);
    await store.close();
    temp.remove();
  }
}
