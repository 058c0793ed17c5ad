/**
 * Dedupe benchmark: `npx tsx test/bench/dedupe.bench.ts` (also part of `npm run bench`).
 * 1. Claim latency with 1,000,000 keys stored (p50/p99 µs), per awaited claim and amortised in a burst.
 * 2. Pipeline throughput through the engine, webhook → dedupe → log with 50% duplicate ids, against
 *    webhook → log without dedupe.
 * Bounded: fixed counts, and every wait has a deadline.
 */
import os from "node:os";
import path from "node:path";
import { createEngine, SqliteStore, type Engine } from "../../engine/index.ts";
import { flow } from "../helpers/flows.ts";
import { tempDir } from "../helpers/temp-store.ts";

const STORED_KEYS = 1_000_000;
const SAMPLES = 5_000;
const BURST = 1_000;
const RUNS = 5_000;
const IN_FLIGHT = 200;
const DAY = 86_400_000;

type Sync = "full" | "normal";
const rows: Record<string, string | number>[] = [];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function fill(store: SqliteStore, count: number, now: number): void {
  const insert = store.db.prepare(`INSERT INTO dedupe_keys (scope, key, run_id, execution, first_seen_at, expires_at, release_on_failure)
    VALUES (?, ?, ?, 'dd:1', ?, ?, 1)`);
  const batch = store.db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) insert.run(`node:flw_bench${i % 50}:dd`, `item-${i.toString(36)}-${(i * 2654435761) % 1e9}`, `run_${i}`, now, now + DAY);
  });
  for (let from = 0; from < count; from += 50_000) batch(from, Math.min(count, from + 50_000));
}

async function claimLatency(filename: string, sync: Sync, now: number): Promise<void> {
  const store = new SqliteStore({ filename, synchronous: sync });
  const measure = async (label: string, keyOf: (i: number) => string) => {
    const micros: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const started = process.hrtime.bigint();
      await store.claimDedupeKey({ scope: `node:flw_bench${i % 50}:dd`, key: keyOf(i), runId: `bench_${sync}_${i}`, now, expiresAt: now + DAY });
      micros.push(Number(process.hrtime.bigint() - started) / 1_000);
    }
    micros.sort((a, b) => a - b);
    rows.push({ measure: `claim ${label}, one at a time`, sync, "p50 µs": Math.round(percentile(micros, 50)), "p99 µs": Math.round(percentile(micros, 99)), "per s": Math.round(1e6 / (micros.reduce((a, b) => a + b, 0) / micros.length)) });
  };
  await measure("new key", (i) => `fresh-${sync}-${i}`);
  await measure("duplicate", (i) => `item-${(i * 7919).toString(36)}-${((i * 7919) * 2654435761) % 1e9}`);

  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: BURST }, (_, i) => store.claimDedupeKey({ scope: "node:flw_burst:dd", key: `burst-${sync}-${i % (BURST / 2)}`, runId: `burst_${i}`, now, expiresAt: now + DAY })));
  const perClaim = Number(process.hrtime.bigint() - started) / 1_000 / BURST;
  rows.push({ measure: `claim burst of ${BURST} (50% dup), amortised`, sync, "p50 µs": Math.round(perClaim * 10) / 10, "p99 µs": "-", "per s": Math.round(1e6 / perClaim) });
  await store.close();
}

async function pipeline(dir: string, sync: Sync, withDedupe: boolean): Promise<void> {
  const store = new SqliteStore({ filename: path.join(dir, `pipeline-${sync}-${withDedupe}.db`), synchronous: sync });
  const engine: Engine = createEngine({ store, worker: { concurrency: 16, leaseMs: 30_000, pollMs: 200 }, keyPruning: false });
  await engine.start();
  const nodes = [
    { id: "hook", type: "webhook", config: { path: `bench-${withDedupe}` } },
    ...(withDedupe ? [{ id: "dd", type: "dedupe", config: { key: "body.id" } }] : []),
    { id: "log", type: "log", config: { message: "item {{ body.id }}" } },
  ];
  const saved = await engine.flows.create(flow("Bench", nodes, withDedupe ? ["hook->dd", "dd->log"] : ["hook->log"]));
  let finished = 0;
  let allDone!: () => void;
  const done = new Promise<void>((resolve) => (allDone = resolve));
  engine.events.on((e) => {
    if (e.type === "run.finished" && ++finished === RUNS) allDone();
  });
  // Each id appears twice, in shuffled order: half the deliveries are duplicates.
  const ids = Array.from({ length: RUNS }, (_, i) => Math.floor(i / 2));
  for (let i = ids.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  const started = performance.now();
  let next = 0;
  const sender = async () => {
    while (next < RUNS) {
      const id = ids[next++]!;
      await engine.runs.start({ flow: saved, triggerNodeId: "hook", message: { body: { id: `item-${id}` }, headers: {}, query: {}, params: {}, method: "POST", path: "/bench" } });
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, sender));
  const deadline = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("pipeline did not finish in 120 s")), 120_000).unref());
  await Promise.race([done, deadline]);
  const seconds = (performance.now() - started) / 1_000;
  if (withDedupe) {
    const passed = (store.db.prepare("SELECT count(*) AS n FROM dedupe_keys WHERE scope = ?").get(`node:${saved.id}:dd`) as { n: number }).n;
    if (passed !== RUNS / 2) throw new Error(`expected ${RUNS / 2} keys to pass, got ${passed}`);
  }
  rows.push({ measure: `pipeline ${withDedupe ? "webhook → dedupe → log (50% dup)" : "webhook → log (baseline)"}`, sync, "p50 µs": "-", "p99 µs": "-", "per s": Math.round(RUNS / seconds) });
  await engine.stop(5_000);
  await store.close();
}

async function main(): Promise<void> {
  const temp = tempDir("runnel-bench-dedupe-");
  try {
    const filename = path.join(temp.dir, "keys.db");
    const now = Date.now();
    const seed = new SqliteStore({ filename, synchronous: "normal" });
    const filling = performance.now();
    fill(seed, STORED_KEYS, now);
    const stored = (seed.db.prepare("SELECT count(*) AS n FROM dedupe_keys").get() as { n: number }).n;
    await seed.close();
    console.log(`stored ${stored.toLocaleString("en")} keys in ${Math.round(performance.now() - filling)} ms`);
    for (const sync of ["full", "normal"] as const) await claimLatency(filename, sync, now);
    for (const sync of ["full", "normal"] as const) {
      await pipeline(temp.dir, sync, false);
      await pipeline(temp.dir, sync, true);
    }
    console.log(`node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
    console.table(rows);
  } finally {
    temp.remove();
  }
}

await main();
