// Ingest throughput: webhook runs (accepted mode) durably enqueued per second through the real
// HTTP server, SQLite synchronous=FULL with group commit against NORMAL without it.
// Run: npx tsx test/bench/ingest.bench.ts  (loopback only; RUNNEL_BENCH_SECONDS=10, RUNNEL_BENCH_ROUNDS=3,
// RUNNEL_BENCH_MODES=0,3 to pick modes by index, RUNNEL_BENCH_CONNECTIONS=10,50)
import path from "node:path";
import autocannon from "autocannon";
import Database from "better-sqlite3";
import { startRealServer } from "../helpers/real-server.ts";

interface Mode {
  name: string;
  env: Record<string, string>;
  /** `api` ingests only (pure enqueue throughput); `start` also executes every run meanwhile. */
  command?: "api" | "start";
}

const MODES: Mode[] = [
  { name: "FULL + group commit (default)", env: { RUNNEL_SQLITE_SYNC: "full", RUNNEL_SQLITE_GROUP_COMMIT: "on" } },
  { name: "FULL + group commit, no window", env: { RUNNEL_SQLITE_SYNC: "full", RUNNEL_SQLITE_GROUP_COMMIT: "on", RUNNEL_SQLITE_COMMIT_WINDOW_MS: "0" } },
  { name: "FULL, no group commit", env: { RUNNEL_SQLITE_SYNC: "full", RUNNEL_SQLITE_GROUP_COMMIT: "off" } },
  { name: "NORMAL, no group commit", env: { RUNNEL_SQLITE_SYNC: "normal", RUNNEL_SQLITE_GROUP_COMMIT: "off" } },
  { name: "FULL + group commit, worker executing too", env: { RUNNEL_SQLITE_SYNC: "full" }, command: "start" },
];
// 1 connection: a lone sender must not pay for the batching window (latency at low load).
const CONNECTIONS = process.env.RUNNEL_BENCH_CONNECTIONS?.split(",").map(Number) ?? [1, 10, 50];
const SECONDS = Number(process.env.RUNNEL_BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.RUNNEL_BENCH_ROUNDS ?? 3);
const only = process.env.RUNNEL_BENCH_MODES?.split(",").map(Number);

const flowDoc = {
  schemaVersion: 1,
  name: "ingest bench",
  active: true,
  nodes: [
    { id: "w", type: "webhook", position: { x: 0, y: 0 }, config: { path: "bench" } },
    { id: "l", type: "log", position: { x: 220, y: 0 }, config: {} },
  ],
  edges: [{ id: "e1", source: "w", sourcePort: "out", target: "l", targetPort: "in" }],
};
const body = JSON.stringify({ event: "order.created", order: { id: 12345, total: 99.5, items: [{ sku: "A-1", qty: 2 }] }, sent: "2026-01-01T00:00:00Z" });

function countRuns(dataDir: string): number {
  const db = new Database(path.join(dataDir, "runnel.db"), { readonly: true });
  try {
    return db.prepare("SELECT count(*) FROM runs").pluck().get() as number;
  } finally {
    db.close();
  }
}

/** Transactions committed and writes they carried, from /metrics (group commit's batching). */
async function writeStats(url: string): Promise<{ commits: number; writes: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, "m").exec(text)?.[1] ?? NaN);
  return { commits: read("runnel_store_commits_total"), writes: read("runnel_store_writes_total") };
}

async function load(url: string, connections: number, seconds: number) {
  return autocannon({
    url: `${url}/hooks/bench`,
    method: "POST",
    connections,
    duration: seconds,
    headers: { "content-type": "application/json" },
    body,
  });
}

interface Sample {
  runsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  perCommit: number;
  allStored: boolean;
}

/** One life of a server in `mode`: warm up, then one timed load per connection count. */
async function measure(mode: Mode): Promise<Map<number, Sample>> {
  const samples = new Map<number, Sample>();
  const server = await startRealServer({ command: mode.command ?? "api", env: { ...mode.env, LOG_LEVEL: "error" } });
  try {
    const res = await fetch(`${server.url}/api/flows`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(flowDoc) });
    if (res.status !== 201) throw new Error(`creating the bench flow failed: ${res.status} ${await res.text()}`);
    await load(server.url, 10, 2); // warm-up: JIT, statement caches
    for (const connections of CONNECTIONS) {
      const before = countRuns(server.dataDir);
      const statsBefore = await writeStats(server.url);
      const result = await load(server.url, connections, SECONDS);
      const stored = countRuns(server.dataDir) - before;
      const statsAfter = await writeStats(server.url);
      samples.set(connections, {
        runsPerSecond: result["2xx"] / SECONDS,
        p50: result.latency.p50,
        p99: result.latency.p99,
        errors: result.non2xx + result.errors,
        perCommit: (statsAfter.writes - statsBefore.writes) / (statsAfter.commits - statsBefore.commits),
        allStored: stored >= result["2xx"],
      });
    }
  } finally {
    await server.stop();
  }
  return samples;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

// Modes take turns, round after round, so a noisy neighbour slows all of them alike; the
// table shows each figure's median over the rounds.
const modes = MODES.filter((_, index) => !only || only.includes(index));
const results = new Map<Mode, Map<number, Sample>[]>(modes.map((mode) => [mode, []]));
for (let round = 1; round <= ROUNDS; round++) {
  for (const mode of modes) {
    const samples = await measure(mode);
    results.get(mode)!.push(samples);
    const line = CONNECTIONS.map((c) => `${c} conn: ${samples.get(c)!.runsPerSecond.toFixed(0)}/s`).join(", ");
    process.stdout.write(`round ${round}/${ROUNDS} ${mode.name}: ${line}\n`);
  }
}

const header = ["mode", "connections", "runs/s", "p50 ms", "p99 ms", "errors", "writes/commit", "every 202 stored"];
process.stdout.write(`\nmedians of ${ROUNDS} rounds of ${SECONDS} s each\n| ${header.join(" | ")} |\n|${header.map(() => "---").join("|")}|\n`);
for (const mode of modes) {
  for (const connections of CONNECTIONS) {
    const samples = results.get(mode)!.map((round) => round.get(connections)!);
    const row = [
      mode.name,
      String(connections),
      median(samples.map((s) => s.runsPerSecond)).toFixed(0),
      String(median(samples.map((s) => s.p50))),
      String(median(samples.map((s) => s.p99))),
      String(samples.reduce((sum, s) => sum + s.errors, 0)),
      median(samples.map((s) => s.perCommit)).toFixed(1),
      samples.every((s) => s.allStored) ? "yes" : "NO",
    ];
    process.stdout.write(`| ${row.join(" | ")} |\n`);
  }
}
