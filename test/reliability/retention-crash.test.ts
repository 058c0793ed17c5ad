import { randomBytes } from "node:crypto";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteStore, type StepRecord } from "../../engine/index.ts";
import { idFloor } from "../../engine/ids.ts";
import type { FlowInput } from "../../engine/model/index.ts";
import { startRealServer, type RealServer } from "../helpers/real-server.ts";
import { tempDir } from "../helpers/temp-store.ts";
import { armedLife } from "./support/crash-loop.ts";
import { inspectDatabase, waitForDrain } from "./support/invariants.ts";
import { logFlow, seededRandom } from "./support/scenario.ts";
import { deliveriesWithRepeats, Sender } from "./support/sender.ts";

const DAY = 86_400_000;
const OLD_RUNS = 2_000; // 20 retention batches of 100
const RECENT_RUNS = 50;
const CYCLES = Number(process.env.RUNNEL_CRASH_CYCLES ?? 3);

const hookFlow = logFlow("ret") as FlowInput;

/** A run id created at `ms` (ids are time-ordered; retention relies on it). */
const runIdAt = (ms: number) => `${idFloor("run", ms)}${randomBytes(10).toString("hex").slice(0, 16)}`;

/** Finished runs with two steps each, written straight into the database. */
async function seedFinishedRuns(store: SqliteStore, flowId: string, count: number, at: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => runIdAt(at));
  await Promise.all(
    ids.map(async (id, i) => {
      const logStep: StepRecord = {
        seq: 2, nodeId: "l", nodeType: "log", status: "succeeded", inputRef: { seq: 1, port: "out", index: 0 },
        outputs: { out: [{ body: { i } }] }, attempts: 1, startedAt: at, finishedAt: at,
      };
      await store.enqueueRun({ id, flowId, flowVersion: 1, triggerNodeId: "w", triggerType: "webhook", message: { body: { i } }, frontier: [], now: at, leaseTo: { owner: "seed", until: at + 1 } });
      await store.finishRun({ runId: id, owner: "seed", status: "succeeded", now: at, steps: [logStep] });
    }),
  );
  return ids;
}

const servers = new Set<RealServer>();
afterAll(async () => {
  for (const server of servers) await server.kill();
});

describe("crash point: during retention pruning", () => {
  it("never leaves half-deleted runs and never touches what it must keep", { timeout: 30_000 + CYCLES * 20_000 }, async () => {
    const seed = Number(process.env.RUNNEL_TEST_SEED ?? Date.now() % 1_000_000);
    const random = seededRandom(seed);
    const data = tempDir("runnel-retention-crash-");
    let current: RealServer | undefined;
    const publish = (server: RealServer | undefined) => {
      current = server;
      if (server) servers.add(server);
    };
    try {
      const store = new SqliteStore({ filename: path.join(data.dir, "runnel.db") });
      const flowId = (await store.createFlow(hookFlow, Date.now())).id;
      await seedFinishedRuns(store, flowId, OLD_RUNS, Date.now() - 30 * DAY);
      const recent = await seedFinishedRuns(store, flowId, RECENT_RUNS, Date.now() - DAY);
      await store.close();

      const env = { RUNNEL_RUN_RETENTION_DAYS: "14", RUNNEL_RETENTION_INTERVAL: "100", RUNNEL_LEASE_MS: "2000" };
      const sender = new Sender({ url: () => current?.url, path: "ret", deliveries: deliveriesWithRepeats(`ret-${seed}`, 40), concurrency: 4, deadlineMs: 60_000 });
      const sending = sender.run();
      let crashes = 0;
      for (let cycle = 0; cycle < CYCLES; cycle++) {
        const nth = 1 + Math.floor(random() * 4);
        const life = await armedLife(data.dir, { ...env, RUNNEL_CRASH_AT: `retention.batch:${nth}` }, publish, 8_000);
        if (life.crashed) crashes++;
      }
      const final = await startRealServer({ dataDir: data.dir, env });
      publish(final);
      await sending;
      await waitForDrain(data.dir, 30_000);
      const cutoff = idFloor("run", Date.now() - 14 * DAY);
      const oldLeft = async () => {
        const db = new Database(path.join(data.dir, "runnel.db"), { readonly: true });
        const n = db.prepare("SELECT count(*) FROM runs WHERE id < ?").pluck().get(cutoff) as number;
        db.close();
        return n;
      };
      for (let waited = 0; (await oldLeft()) > 0 && waited < 20_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
      expect(await final.stop()).toBe(0);
      publish(undefined);

      const facts = inspectDatabase(data.dir);
      console.log(`retention crash: ${JSON.stringify({ seed, crashes, acked: sender.acked.size, integrity: facts.integrity, orphanSteps: facts.orphanSteps })}`);
      expect(crashes).toBeGreaterThanOrEqual(Math.ceil(CYCLES / 2));
      expect(facts.integrity).toBe("ok");
      expect(facts.orphanSteps).toBe(0);
      expect(await oldLeft()).toBe(0);
      const db = new Database(path.join(data.dir, "runnel.db"), { readonly: true });
      const stepsOfRecent = db.prepare(`SELECT count(*) FROM run_steps WHERE run_id IN (${recent.map(() => "?").join(",")})`).pluck().get(...recent);
      db.close();
      expect(stepsOfRecent).toBe(RECENT_RUNS * 2);
      for (const id of sender.acked) {
        expect(facts.runsByEvent.get(id)?.some((r) => r.status === "succeeded"), `acknowledged ${id} has a succeeded run`).toBe(true);
      }
    } finally {
      await current?.kill();
      data.remove();
    }
  });
});
