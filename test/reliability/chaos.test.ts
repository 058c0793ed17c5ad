import { afterAll, describe, expect, it } from "vitest";
import { startRealServer, type RealServer } from "../helpers/real-server.ts";
import { tempDir } from "../helpers/temp-store.ts";
import { inspectDatabase, waitForDrain, waitForEmptyQueue } from "./support/invariants.ts";
import { checkPromises, createFlow, effectFlow, seededRandom } from "./support/scenario.ts";
import { deliveriesWithRepeats, Sender } from "./support/sender.ts";
import { Sink } from "./support/sink.ts";

const LEASE_MS = 2_000;
const WORKER_CONCURRENCY = 16;
const UNIQUE_EVENTS = 5_000;
const MIN_KILLS = 10;
/** Kills at random moments (after 0.3–1.2 s of uptime each), while events are sent or processed. */
const KILLS = MIN_KILLS + 2;

const servers = new Set<RealServer>();
// A test that times out never reaches its finally: make sure no server outlives the file.
afterAll(async () => {
  for (const server of servers) await server.kill();
});

describe("chaos: kill -9 under load", () => {
  it("loses nothing acknowledged across repeated SIGKILLs and restarts", { timeout: 170_000 }, async () => {
    const seed = Number(process.env.RUNNEL_TEST_SEED ?? Date.now() % 1_000_000);
    const random = seededRandom(seed);
    const data = tempDir("runnel-chaos-");
    const sink = await new Sink().start();
    const env = { RUNNEL_LEASE_MS: String(LEASE_MS), RUNNEL_HTTP_ALLOW: "127.0.0.1", RUNNEL_WORKER_CONCURRENCY: String(WORKER_CONCURRENCY) };
    let server: RealServer | undefined = await startRealServer({ dataDir: data.dir, env });
    servers.add(server);
    try {
      await createFlow(server.url, effectFlow(sink.url, "chaos"));
      const sender = new Sender({
        url: () => server?.url,
        path: "chaos",
        deliveries: deliveriesWithRepeats(`evt${seed}`, UNIQUE_EVENTS),
        concurrency: 24,
        deadlineMs: 100_000,
      });
      const sending = sender.run();
      let kills = 0;
      const restartMs: number[] = [];
      while (kills < KILLS) {
        await new Promise((resolve) => setTimeout(resolve, 300 + random() * 900));
        const dying: RealServer = server!;
        server = undefined;
        await dying.kill();
        kills++;
        const killedAt = Date.now();
        server = await startRealServer({ dataDir: data.dir, env });
        servers.add(server);
        restartMs.push(Date.now() - killedAt);
      }
      await sending;
      const lastRestart = Date.now();

      // One lease period (plus a poll and some slack) after the last restart, nothing is stuck.
      // Orphaned runs take their turn behind the queue the restarted worker found (16 at a time):
      // on a slow machine that queue outlasts the lease, so the check waits for it to empty too.
      await new Promise((resolve) => setTimeout(resolve, LEASE_MS + LEASE_MS / 4 + 1_000));
      const queueEmptyAfterMs = await waitForEmptyQueue(data.dir, 45_000);
      if (queueEmptyAfterMs > 0) await new Promise((resolve) => setTimeout(resolve, LEASE_MS / 4 + 500));
      const stuck = inspectDatabase(data.dir).stuck;
      await waitForDrain(data.dir, 45_000);
      const drainedMs = Date.now() - lastRestart;
      expect(await server!.stop()).toBe(0);
      server = undefined;

      const { tally, problems } = checkPromises(inspectDatabase(data.dir), sink, sender, kills, WORKER_CONCURRENCY);
      const report = {
        seed,
        ...tally,
        restartToHealthyMs: { max: Math.max(...restartMs), mean: Math.round(restartMs.reduce((a, b) => a + b, 0) / restartMs.length) },
        stuckOneLeaseAfterLastRestart: stuck,
        queueEmptyOneLeaseAfterLastRestartPlusMs: queueEmptyAfterMs,
        allRunsFinishedAfterLastRestartMs: drainedMs,
      };
      console.log(`chaos report ${JSON.stringify(report)}`);
      expect(problems.slice(0, 20)).toEqual([]);
      expect(tally.kills).toBeGreaterThanOrEqual(MIN_KILLS);
      expect(tally.eventsAcknowledged).toBe(UNIQUE_EVENTS);
      expect(tally.lost).toBe(0);
      expect(stuck).toBe(0);
    } finally {
      await server?.kill();
      await sink.stop();
      data.remove();
    }
  });
});
