/**
 * HTTP benchmark (issue 9): `npm run bench http` (add `-- --soak` for the 10-minute soak).
 * The real server runs as a child process (synchronous=FULL, every run and step journaled); load
 * comes from autocannon on the same machine. For each of echo (webhook → respond) and pipeline
 * (webhook → filter → dedupe → transform → respond), in respond and accepted mode, at 1/10/50
 * connections: req/s, p50/p99, non-2xx, runs durably logged per second (counted in the store after
 * the load), accept→finish lag, and repeats the dedupe let through. Then a fixed-rate run, engine
 * CPU per step, expression cache hit rate, startup time, RSS and database size per 100,000 runs.
 * Env: BENCH_DURATION (s, 8), BENCH_WARMUP (s, 2), BENCH_ROUNDS (1), BENCH_CONNECTIONS (1,10,50),
 * BENCH_FLOWS (echo,pipeline), BENCH_MODES (respond,accepted), BENCH_RATE (1000), BENCH_SIZE_RUNS
 * (20000), BENCH_STEP_RUNS (2000), BENCH_SOAK_MINUTES (10), RUNNEL_SQLITE_SYNC (passed through).
 * JSON goes to test/bench/results/http.json (gitignored).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { startRealServer } from "../helpers/real-server.ts";
import { tempDir } from "../helpers/temp-store.ts";
import { passThroughEnv, startBench, type Bench, type FlowKind, type ReplyMode } from "./bench-flows.ts";
import { envNumber, load, machine, median, medianOf, sleep, type LoadResult } from "./load.ts";
import { openLoop } from "./open-loop.ts";
import { cpuMs, fileBytes, RunLog, rssBytes, rssSampler, type LoggedRuns } from "./run-log.ts";
import { stepCosts } from "./step-cost.ts";

const DURATION = envNumber("BENCH_DURATION", 8);
const WARMUP = envNumber("BENCH_WARMUP", 2);
const ROUNDS = envNumber("BENCH_ROUNDS", 1);
const RATE = envNumber("BENCH_RATE", 1000);
const SIZE_RUNS = envNumber("BENCH_SIZE_RUNS", 20_000);
const STEP_RUNS = envNumber("BENCH_STEP_RUNS", 2_000);
const SOAK_MINUTES = envNumber("BENCH_SOAK_MINUTES", 10);
const list = (name: string, fallback: string) => (process.env[name] ?? fallback).split(",").map((s) => s.trim()).filter(Boolean);
const CONNECTIONS = list("BENCH_CONNECTIONS", "1,10,50").map(Number);
const FLOWS = list("BENCH_FLOWS", "echo,pipeline") as FlowKind[];
const MODES = list("BENCH_MODES", "respond,accepted") as ReplyMode[];
const SOAK = process.argv.includes("--soak");
/** --quick: only the load scenarios (no startup, fixed rate, sizes or step costs). */
const QUICK = process.argv.includes("--quick");
/** --fixed: only the fixed-rate run (BENCH_ROUNDS of it), for chasing the latency tail. */
const FIXED_ONLY = process.argv.includes("--fixed");
const MB = 1024 * 1024;

type Scenario = { kind: FlowKind; mode: ReplyMode; connections: number };
type Row = Scenario & LoadResult & LoggedRuns & { rssMB: number; cpuUsPerReq: number };

let phase = 0;
async function scenario(bench: Bench, s: Scenario): Promise<Row> {
  const key = `${s.kind}-${s.mode}`;
  const flowId = bench.flowIds.get(key)!;
  const url = `${bench.server.url}/hooks/${key}`;
  const warmFrom = Date.now();
  await load({ url, connections: s.connections, durationS: WARMUP, idPrefix: `w${phase++}` });
  await bench.log.drain(flowId, warmFrom);
  const from = Date.now();
  const pid = bench.server.child.pid!;
  const rss = rssSampler(pid);
  const cpu = cpuMs(pid);
  const result = await load({ url, connections: s.connections, durationS: DURATION, idPrefix: `m${phase++}` });
  const to = Date.now();
  if (!(await bench.log.drain(flowId, from))) console.warn(`${key} c${s.connections}: runs still unfinished after 120 s`);
  // Server CPU per request (ingest + run, drain included): steadier than req/s on a shared machine.
  const cpuUsPerReq = Math.round(((cpuMs(pid) - cpu) * 1000) / Math.max(1, result.requests));
  return { ...s, ...result, ...bench.log.window(flowId, from, to), rssMB: Math.round(rss.stop() / MB), cpuUsPerReq };
}

async function fixedRate(bench: Bench): Promise<Record<string, unknown>> {
  // The pipeline in respond mode when the run has it; otherwise a flow and mode it did create.
  const key = `${FLOWS.includes("pipeline") ? "pipeline" : FLOWS[0]}-${MODES.includes("respond") ? "respond" : MODES[0]}`;
  const url = `${bench.server.url}/hooks/${key}`;
  // A fresh server (--fixed alone) answers its first few thousand requests before V8 has optimised
  // the path they take: at 1,000 req/s its p99 was 20-40 ms in the first 4 s and 7-10 ms after.
  // That is start-up, not the tail this run is for, so the flow is warmed up first.
  await load({ url, connections: 10, durationS: Math.max(WARMUP, 5), idPrefix: `fw${phase++}` });
  const rounds: LoadResult[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    rounds.push(await openLoop({ url, connections: 64, durationS: DURATION, rate: RATE, idPrefix: `r${phase++}` }));
  }
  return { flow: key, offered: RATE, ...medianOf(rounds) };
}

async function metrics(url: string): Promise<{ hits: number; misses: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\d+)`, "m").exec(text)?.[1] ?? NaN);
  return { hits: value("runnel_expression_cache_hits_total"), misses: value("runnel_expression_cache_misses_total") };
}

/** Spawn → first 200 from /api/health, on a fresh data dir each time. */
async function startupMs(times: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < times; i++) {
    const temp = tempDir("runnel-bench-start-");
    const started = performance.now();
    const server = await startRealServer({ dataDir: temp.dir, env: passThroughEnv() });
    out.push(Math.round(performance.now() - started));
    await server.stop();
    temp.remove();
  }
  return out;
}

/** Database + WAL size after SIZE_RUNS pipeline runs (accepted mode), scaled to 100,000 runs. */
async function databaseSize(): Promise<Record<string, number>> {
  const temp = tempDir("runnel-bench-size-");
  const bench = await startBench(temp.dir, ["pipeline"], ["accepted"]);
  const db = path.join(temp.dir, "runnel.db");
  const empty = fileBytes(db) + fileBytes(`${db}-wal`);
  const flowId = bench.flowIds.get("pipeline-accepted")!;
  const from = Date.now();
  let sent = 0;
  while (bench.log.count() < SIZE_RUNS && sent < SIZE_RUNS * 2) {
    const r = await load({ url: `${bench.server.url}/hooks/pipeline-accepted`, connections: 50, durationS: 2, idPrefix: `z${phase++}` });
    sent += r.requests;
  }
  await bench.log.drain(flowId, from);
  const runs = bench.log.count();
  const live = fileBytes(db) + fileBytes(`${db}-wal`) - empty;
  const wal = fileBytes(`${db}-wal`);
  bench.log.close();
  await bench.server.stop();
  const closed = fileBytes(db) + fileBytes(`${db}-wal`) - empty;
  temp.remove();
  const per100k = (bytes: number) => Math.round(((bytes / runs) * 100_000) / MB);
  return { runs, walMB: Math.round(wal / MB), "db+wal MB per 100k runs (live)": per100k(live), "db+wal MB per 100k runs (after close)": per100k(closed), "MB per 10k runs (after close)": Math.round(per100k(closed) / 10) };
}

async function soak(bench: Bench): Promise<Record<string, number>> {
  const samples: number[] = [];
  const end = Date.now() + SOAK_MINUTES * 60_000;
  while (Date.now() < end) {
    await openLoop({ url: `${bench.server.url}/hooks/pipeline-accepted`, connections: 16, durationS: 10, rate: 500, idPrefix: `k${phase++}` });
    samples.push(rssBytes(bench.server.child.pid!));
  }
  const first = median(samples.slice(0, 6));
  const last = median(samples.slice(-6));
  return { minutes: SOAK_MINUTES, firstMinuteRssMB: Math.round(first / MB), lastMinuteRssMB: Math.round(last / MB), maxRssMB: Math.round(Math.max(...samples) / MB) };
}

async function main(): Promise<void> {
  const startup = QUICK || FIXED_ONLY ? [] : await startupMs(3);
  const temp = tempDir("runnel-bench-http-");
  const bench = await startBench(temp.dir, FLOWS, MODES);
  const results: Record<string, unknown> = { machineBefore: machine(), settings: { DURATION, WARMUP, ROUNDS, RATE, sync: process.env.RUNNEL_SQLITE_SYNC ?? "full" } };
  try {
    await sleep(2_000);
    const idleRssMB = Math.round(rssBytes(bench.server.child.pid!) / MB);
    if (FIXED_ONLY) {
      const rate = await fixedRate(bench);
      Object.assign(results, { fixedRate: rate, machineAfter: machine() });
      console.log(`fixed rate (${rate.flow}, ${RATE} req/s offered open-loop, latency from each request's due time):`, rate);
      return;
    }
    const scenarios: Scenario[] = FLOWS.flatMap((kind) => MODES.flatMap((mode) => CONNECTIONS.map((connections) => ({ kind, mode, connections }))));
    const byScenario = new Map<Scenario, Row[]>(scenarios.map((s) => [s, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const s of scenarios) {
        const row = await scenario(bench, s);
        byScenario.get(s)!.push(row);
        console.log(`round ${round + 1}: ${s.kind} ${s.mode} c${s.connections}: ${row.reqPerSec} req/s, p99 ${row.p99Ms} ms, ${row.runsPerSec} runs/s, server CPU ${row.cpuUsPerReq} µs/req`);
      }
    }
    const rows = [...byScenario.values()].map((rounds) => medianOf(rounds));
    if (QUICK) {
      Object.assign(results, { rows, idleRssMB, machineAfter: machine() });
      console.table(rows.map((r) => ({ flow: r.kind, mode: r.mode, conns: r.connections, "req/s": r.reqPerSec, "p50 ms": r.p50Ms, "p99 ms": r.p99Ms, non2xx: r.non2xx + r.errors, "runs/s logged": r.runsPerSec, "repeats passed": r.repeatsPassed ?? "-", "CPU µs/req": r.cpuUsPerReq })));
      return;
    }
    const rate = await fixedRate(bench);
    const cache = await metrics(bench.server.url);
    const soakResult = SOAK ? await soak(bench) : undefined;
    bench.log.close();
    await bench.server.stop();
    const size = await databaseSize();
    const steps = await stepCosts(STEP_RUNS);
    const cacheHitRate = Math.round((cache.hits / (cache.hits + cache.misses)) * 10_000) / 100;
    Object.assign(results, { rows, fixedRate: rate, stepCpuMicros: steps.cpuMicros, stepAllocatedKB: steps.allocatedKB, cacheHitRate, startupMs: startup, idleRssMB, size, soak: soakResult, machineAfter: machine() });

    console.log(`\n${results.settings ? JSON.stringify(results.settings) : ""}  machine: ${JSON.stringify(machine())}`);
    console.table(rows.map((r) => ({
      flow: r.kind, mode: r.mode, conns: r.connections, "req/s": r.reqPerSec, "p50 ms": r.p50Ms, "p99 ms": r.p99Ms, non2xx: r.non2xx + r.errors,
      "runs/s logged": r.runsPerSec, "lag p50 ms": r.mode === "accepted" ? r.lagP50Ms : "-", "lag p99 ms": r.mode === "accepted" ? r.lagP99Ms : "-",
      "repeats passed": r.repeatsPassed ?? "-", "CPU µs/req": r.cpuUsPerReq, "RSS MB": r.rssMB,
    })));
    console.log(`fixed rate (${rate.flow}, ${RATE} req/s offered open-loop, latency from each request's due time):`, rate);
    console.log("engine CPU µs per step:", steps.cpuMicros);
    console.log("engine KB allocated per step:", steps.allocatedKB);
    console.log(`expression cache hit rate ${cacheHitRate}% (${cache.hits} hits, ${cache.misses} misses)`);
    console.log(`startup (spawn → first 200 /api/health) ms: ${startup.join(", ")} (median ${median(startup)}); idle RSS ${idleRssMB} MB`);
    console.log("database size:", size);
    if (soakResult) console.log("soak:", soakResult);
  } finally {
    if (bench.server.child.exitCode === null) await bench.server.stop();
    temp.remove();
    const dir = path.join(import.meta.dirname, "results");
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "http.json"), `${JSON.stringify(results, null, 2)}\n`);
  }
}

await main();
