// Ingest throughput: webhook runs (accepted mode) durably enqueued per second through the real
// HTTP server, SQLite synchronous=FULL with group commit against NORMAL without it.
// Run: npx tsx test/bench/ingest.bench.ts  (RUNNEL_BENCH_SECONDS=10 by default, loopback only)
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
const CONNECTIONS = [1, 10, 50];
const SECONDS = Number(process.env.RUNNEL_BENCH_SECONDS ?? 10);
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

const rows: string[][] = [];
for (const [index, mode] of MODES.entries()) {
  if (only && !only.includes(index)) continue;
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
      const perCommit = (statsAfter.writes - statsBefore.writes) / (statsAfter.commits - statsBefore.commits);
      const accepted = result["2xx"];
      rows.push([
        mode.name,
        String(connections),
        (accepted / SECONDS).toFixed(0),
        String(result.latency.p50),
        String(result.latency.p99),
        String(result.non2xx + result.errors),
        perCommit.toFixed(1),
        stored >= accepted ? "yes" : `NO (${stored} of ${accepted})`,
      ]);
      process.stdout.write(`${rows[rows.length - 1]!.join(" | ")}\n`);
    }
  } finally {
    await server.stop();
  }
}

const header = ["mode", "connections", "runs/s", "p50 ms", "p99 ms", "errors", "writes/commit", "every 202 stored"];
process.stdout.write(`\n| ${header.join(" | ")} |\n|${header.map(() => "---").join("|")}|\n`);
for (const row of rows) process.stdout.write(`| ${row.join(" | ")} |\n`);
