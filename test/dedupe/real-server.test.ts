import { afterEach, describe, expect, it } from "vitest";
import type { RunWithSteps } from "../../engine/model/index.ts";
import { startRealServer, type RealServer } from "../helpers/real-server.ts";
import { tempDir } from "../helpers/temp-store.ts";
import { hookDedupeFlow, outcomeOf } from "./helpers.ts";

const DELIVERIES = 200;
const KEYS = 20;

async function json<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

/** 200 concurrent POSTs over real sockets, 20 distinct ids; waits for every run and tallies the dedupe ports. */
async function burst(server: RealServer) {
  const responses = await Promise.all(
    Array.from({ length: DELIVERIES }, async (_, i) => {
      const res = await fetch(`${server.url}/hooks/feed`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ id: `item-${i % KEYS}` }),
      });
      expect(res.status).toBe(202);
      return (await json<{ runId: string }>(res)).runId;
    }),
  );
  const deadline = Date.now() + 20_000;
  const tally = { out: 0, duplicate: 0 };
  let pending = responses;
  while (pending.length > 0) {
    if (Date.now() > deadline) throw new Error(`${pending.length} runs did not finish in time`);
    const runs = await Promise.all(pending.map(async (runId) => json<RunWithSteps>(await fetch(`${server.url}/api/runs/${runId}`))));
    for (const run of runs) {
      if (run.status === "failed" || run.status === "canceled") throw new Error(`run ${run.id} ended as ${run.status}`);
      if (run.status === "succeeded") tally[outcomeOf(run)]++;
    }
    pending = runs.filter((run) => run.status !== "succeeded").map((run) => run.id);
    if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return tally;
}

describe("dedupe through a real server process", () => {
  const stops: (() => Promise<unknown> | void)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  it("passes 20 of 200 concurrent deliveries, and none of them again after a crash and restart", async () => {
    const data = tempDir("runnel-dedupe-");
    stops.push(data.remove);
    const first = await startRealServer({ dataDir: data.dir, env: { RUNNEL_SQLITE_SYNC: "normal" } });
    stops.push(() => first.stop());
    const created = await fetch(`${first.url}/api/flows`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(hookDedupeFlow("Feed", "feed", { key: "body.id", window: "30d" })),
    });
    expect(created.status).toBe(201);
    expect(await burst(first)).toEqual({ out: KEYS, duplicate: DELIVERIES - KEYS });

    await first.kill();
    const second = await startRealServer({ dataDir: data.dir, env: { RUNNEL_SQLITE_SYNC: "normal" } });
    stops.push(() => second.stop());
    expect(await burst(second)).toEqual({ out: 0, duplicate: DELIVERIES });
  });
});
