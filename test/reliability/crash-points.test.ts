import { afterAll, describe, expect, it } from "vitest";
import type { CrashPoint } from "../../engine/runtime/crash-points.ts";
import { startRealServer, type RealServer } from "../helpers/real-server.ts";
import { tempDir } from "../helpers/temp-store.ts";
import { armedLife, seedFlow } from "./support/crash-loop.ts";
import { inspectDatabase, waitForDrain } from "./support/invariants.ts";
import { checkPromises, effectFlow, seededRandom } from "./support/scenario.ts";
import { deliveriesWithRepeats, Sender } from "./support/sender.ts";
import { Sink } from "./support/sink.ts";

const LEASE_MS = 2_000;
const WORKER_CONCURRENCY = 16;
/** Crashes per point; RUNNEL_CRASH_CYCLES=20 for a long soak. */
const CYCLES = Number(process.env.RUNNEL_CRASH_CYCLES ?? 3);
/** Fresh events sent during each life of the server (plus a repeat of an earlier id). */
const EVENTS_PER_CYCLE = 10;

/** Each point with the range its nth hit is drawn from (how often a life reaches it). */
const POINTS: { point: CrashPoint; nth: [number, number]; concurrency?: number }[] = [
  { point: "commit.before", nth: [2, 12] },
  { point: "commit.after", nth: [2, 12] },
  { point: "ingest.after-commit", nth: [1, 8] },
  // Runs are claimed (rather than adopted at ingest) when the worker is full: keep it small.
  { point: "claim.after", nth: [1, 3], concurrency: 2 },
  { point: "step.before-journal", nth: [1, 12] },
  { point: "step.after-journal", nth: [1, 8] },
  { point: "finish.before", nth: [1, 8] },
];

const servers = new Set<RealServer>();
afterAll(async () => {
  for (const server of servers) await server.kill();
});

describe("crash points: the process dies at named places", () => {
  for (const { point, nth, concurrency = WORKER_CONCURRENCY } of POINTS) {
    it(`keeps every promise when it dies at ${point}`, { timeout: 30_000 + CYCLES * 20_000 }, async () => {
      const seed = Number(process.env.RUNNEL_TEST_SEED ?? Date.now() % 1_000_000);
      const random = seededRandom(seed);
      const data = tempDir("runnel-crash-");
      const sink = await new Sink().start();
      const base = { RUNNEL_LEASE_MS: String(LEASE_MS), RUNNEL_HTTP_ALLOW: "127.0.0.1", RUNNEL_WORKER_CONCURRENCY: String(concurrency) };
      let current: RealServer | undefined;
      const publish = (server: RealServer | undefined) => {
        current = server;
        if (server) servers.add(server);
      };
      try {
        await seedFlow(data.dir, effectFlow(sink.url, "crash"));
        const senders: Sender[] = [];
        const sending: Promise<void>[] = [];
        let crashes = 0;
        let outsideKills = 0;
        for (let cycle = 0; cycle < CYCLES; cycle++) {
          const sender = new Sender({
            url: () => current?.url,
            path: "crash",
            deliveries: deliveriesWithRepeats(`${point}-${seed}-${cycle}`, EVENTS_PER_CYCLE),
            concurrency: 6,
            deadlineMs: 60_000,
          });
          senders.push(sender);
          sending.push(sender.run());
          const n = nth[0] + Math.floor(random() * (nth[1] - nth[0] + 1));
          const life = await armedLife(data.dir, { ...base, RUNNEL_CRASH_AT: `${point}:${n}` }, publish, LEASE_MS + 4_000);
          if (life.crashed) crashes++;
          if (life.killed) outsideKills++;
        }
        const final = await startRealServer({ dataDir: data.dir, env: base });
        publish(final);
        await Promise.all(sending);
        await waitForDrain(data.dir, 30_000);
        expect(await final.stop()).toBe(0);
        publish(undefined);

        const facts = inspectDatabase(data.dir);
        const sender = mergeSenders(senders);
        const { tally, problems } = checkPromises(facts, sink, sender, crashes + outsideKills, concurrency);
        console.log(`crash point ${point}: ${JSON.stringify({ seed, crashes, outsideKills, ...tally })}`);
        expect(problems.slice(0, 20)).toEqual([]);
        expect(tally.lost).toBe(0);
        expect(crashes).toBeGreaterThanOrEqual(Math.ceil(CYCLES / 2));
        expect(tally.runs).toBeGreaterThanOrEqual(20);
      } finally {
        await current?.kill();
        await sink.stop();
        data.remove();
      }
    });
  }
});

/** One view over the senders of all lives (their ids never overlap). */
function mergeSenders(senders: Sender[]): Sender {
  const merged = new Sender({ url: () => undefined, path: "", deliveries: [], concurrency: 0, deadlineMs: 0 });
  for (const s of senders) {
    for (const id of s.sent) merged.sent.add(id);
    for (const id of s.acked) merged.acked.add(id);
    merged.requests += s.requests;
    merged.failedRequests += s.failedRequests;
  }
  return merged;
}
