import { readFileSync } from "node:fs";
import type { EngineEvent } from "../../engine/index.ts";
import { startAppServer } from "../helpers/app-server.ts";
import { startRealServer, type RealServer } from "../helpers/real-server.ts";
import { openSse, type SseClient } from "../helpers/sse.ts";

const RATE = Number(process.env.RUNNEL_BENCH_RATE ?? 1_000);
const SECONDS = Number(process.env.RUNNEL_BENCH_SECONDS ?? 20);
const SYNC = process.env.RUNNEL_SQLITE_SYNC ?? "full";
/** The server's RSS climbs for its first ~30 s under load whether or not anyone streams (V8 sizing its heap). */
const WARMUP_SECONDS = Number(process.env.RUNNEL_BENCH_WARMUP ?? 20);
const MAX_IN_FLIGHT = 256;
/** "Flat": what the process may grow by once warm (the event ring filling up is part of warming). */
const RSS_GROWTH_GOAL_MB = 40;
const LAG_GOAL_MS = 1_000;

const flowDoc = {
  schemaVersion: 1,
  name: "sse bench",
  active: true,
  nodes: [
    { id: "w", type: "webhook", position: { x: 0, y: 0 }, config: { path: "sse-bench" } },
    { id: "l", type: "log", position: { x: 220, y: 0 }, config: {} },
  ],
  edges: [{ id: "e1", source: "w", sourcePort: "out", target: "l", targetPort: "in" }],
};

/** V8 heap in use, from the server's own /metrics (not forced through a GC: it saws up and down). */
async function heapMb(server: RealServer): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return Number(/^nodejs_heap_used_bytes (\d+)/m.exec(text)?.[1] ?? NaN) / 1024 / 1024;
}

/** Runs the engine finished so far, by its own counter (/metrics). */
async function engineFinished(server: RealServer): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return [...text.matchAll(/^runnel_runs_finished_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmRSS:"))!;
  return Number(line.replace(/\D+/g, "")) / 1024;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads the stream in the background, noting when each run's run.finished arrived. */
function consume(client: SseClient) {
  const finishedAt = new Map<string, number>();
  /** Emitted on the server → read here, per event (same machine, same clock). */
  const delivery: number[] = [];
  const stats = { events: 0, finished: 0, missed: 0, stopped: false };
  void (async () => {
    while (!stats.stopped) {
      const message = await client.next(60_000).catch(() => undefined);
      if (!message) break;
      stats.events++;
      if (message.event === "missed") stats.missed++;
      const at = (message.data as { at?: number } | undefined)?.at;
      if (at !== undefined) delivery.push(Date.now() - at);
      if (message.event === "run.finished") {
        stats.finished++;
        finishedAt.set((message.data as { runId: string }).runId, performance.now());
      }
    }
  })();
  return { finishedAt, delivery, stats };
}

/** Offers `rate` webhook deliveries per second for `seconds`; returns when each was sent, by run id. */
async function drive(server: RealServer, rate: number, seconds: number): Promise<{ sentAt: Map<string, number>; rejected: number }> {
  const sentAt = new Map<string, number>();
  let rejected = 0;
  let sent = 0;
  let inFlight = 0;
  const start = performance.now();
  const total = rate * seconds;
  const pending: Promise<void>[] = [];
  while (sent < total && performance.now() - start < seconds * 1_000 + 5_000) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1_000) * rate));
    while (sent < due && inFlight < MAX_IN_FLIGHT) {
      sent++;
      inFlight++;
      const at = performance.now();
      pending.push(
        fetch(`${server.url}/hooks/sse-bench`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ n: sent, at }) })
          .then(async (res) => {
            if (res.status === 202) sentAt.set(((await res.json()) as { runId: string }).runId, at);
            else rejected++;
          })
          .catch(() => void rejected++)
          .finally(() => void inFlight--),
      );
    }
    await sleep(5);
  }
  await Promise.all(pending);
  return { sentAt, rejected: rejected + (total - sent) };
}

/**
 * The stream alone at 1,000 runs/s (4 events per run), whatever the engine's own throughput: the
 * real app and HTTP server in this process, run events emitted on its bus at that pace, one
 * reading and one stalled client. Returns how many goals it missed.
 */
export async function sseSyntheticLoad(): Promise<number> {
  const server = await startAppServer();
  const reader = await openSse(`${server.url}/api/events`);
  const stalled = await openSse(`${server.url}/api/events`);
  await stalled.next();
  const { finishedAt, delivery, stats } = consume(reader);
  const types: EngineEvent["type"][] = ["run.queued", "run.started", "step.finished", "run.finished"];
  let runs = 0;
  const emitFor = async (seconds: number) => {
    const start = performance.now();
    const first = runs;
    while (performance.now() - start < seconds * 1_000) {
      const due = first + Math.floor(((performance.now() - start) / 1_000) * RATE);
      for (; runs < due; runs++) {
        for (const type of types) {
          const status = type === "run.queued" ? "queued" : type === "run.started" ? "running" : "succeeded";
          const event = { type, runId: `run_synthetic_${runs}`, flowId: "flw_synthetic", status, seq: 2, nodeId: "l", nodeType: "log" };
          server.engine.events.emit(event as EngineEvent);
        }
      }
      server.events.length = 0; // the test harness's own log of events is not the server's memory
      await sleep(5);
    }
  };
  try {
    await emitFor(3);
    await sleep(500);
    const memory = () => process.memoryUsage();
    const start = memory();
    const samples = [start];
    const sampler = setInterval(() => samples.push(memory()), 1_000);
    delivery.length = 0;
    const firstRun = runs;
    const eventsBefore = stats.events;
    await emitFor(SECONDS);
    const deadline = performance.now() + 10_000;
    while (!finishedAt.has(`run_synthetic_${runs - 1}`) && performance.now() < deadline) await sleep(20);
    clearInterval(sampler);
    const end = memory();
    const emitted = (runs - firstRun) * types.length;
    const received = stats.events - eventsBefore;
    const p99 = quantile(delivery, 0.99);
    const keptUp = received >= emitted && stats.missed === 0 && p99 < LAG_GOAL_MS;
    const growth = (end.rss - start.rss) / 1024 / 1024;
    const flat = growth < RSS_GROWTH_GOAL_MB;
    const mb = (n: number) => (n / 1024 / 1024).toFixed(0);
    console.log(`
SSE stream alone: ${RATE} runs/s of run events (${RATE * types.length} events/s) for ${SECONDS} s, real HTTP server in-process, one reading + one stalled client:`);
    console.log(`received ${received} of ${emitted} events, missed markers ${stats.missed}; delivery p50 ${quantile(delivery, 0.5).toFixed(1)} ms, ` +
      `p99 ${p99.toFixed(1)} ms, max ${quantile(delivery, 1).toFixed(0)} ms ${keptUp ? "(kept up: ok)" : "(kept up: MISSED)"}`);
    console.log(`process RSS: start ${mb(start.rss)} MB, max ${mb(Math.max(...samples.map((m) => m.rss)))} MB, end ${mb(end.rss)} MB ` +
      `(growth ${growth.toFixed(0)} MB ${flat ? `< ${RSS_GROWTH_GOAL_MB} MB: flat` : `>= ${RSS_GROWTH_GOAL_MB} MB: NOT flat`}); ` +
      `heap used samples (MB): ${samples.map((m) => mb(m.heapUsed)).join(" ")}`);
    stats.stopped = true;
    return (keptUp ? 0 : 1) + (flat ? 0 : 1);
  } finally {
    reader.close();
    stalled.close();
    await server.close();
  }
}

/** Runs the SSE part with real runs; returns how many goals it missed. */
export async function sseLoad(): Promise<number> {
  let failures = 0;
  const env: Record<string, string> = { LOG_LEVEL: "error", RUNNEL_SQLITE_SYNC: SYNC };
  if (process.env.RUNNEL_WORKER_CONCURRENCY) env.RUNNEL_WORKER_CONCURRENCY = process.env.RUNNEL_WORKER_CONCURRENCY;
  const server = await startRealServer({ command: "start", env });
  const pid = server.child.pid!;
  try {
    const res = await fetch(`${server.url}/api/flows`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(flowDoc) });
    if (res.status !== 201) throw new Error(`creating the bench flow failed: ${res.status}`);
    const reader = await openSse(`${server.url}/api/events`);
    const stalled = await openSse(`${server.url}/api/events`); // never read after this: a client gone quiet
    await stalled.next();
    const { finishedAt, delivery, stats } = consume(reader);

    await drive(server, RATE, WARMUP_SECONDS); // JIT, statement caches, heap sizing, the event ring filling
    await sleep(2_000);
    const rssStart = rssMb(pid);
    const samples: number[] = [rssStart];
    const heaps: number[] = [await heapMb(server)];
    const sampler = setInterval(() => {
      samples.push(rssMb(pid));
      void heapMb(server).then((mb) => heaps.push(mb));
    }, 1_000);
    const eventsBefore = stats.events;
    delivery.length = 0;
    const t0 = performance.now();
    const { sentAt, rejected } = await drive(server, RATE, SECONDS);
    const driveSeconds = (performance.now() - t0) / 1_000;
    // Let the engine work off its backlog (bounded), then check the stream has told of every run it finished.
    const deadline = performance.now() + 60_000;
    let progressAt = performance.now();
    let lastFinished = stats.finished;
    while ([...sentAt.keys()].some((id) => !finishedAt.has(id)) && performance.now() < deadline && performance.now() - progressAt < 10_000) {
      await sleep(200);
      if (stats.finished > lastFinished) [lastFinished, progressAt] = [stats.finished, performance.now()];
    }
    const drainSeconds = (performance.now() - t0) / 1_000;
    clearInterval(sampler);
    const rssEnd = rssMb(pid);
    const finishedByEngine = await engineFinished(server);
    const settleBy = performance.now() + 5_000;
    while (stats.finished < finishedByEngine && performance.now() < settleBy) await sleep(50);
    stats.stopped = true;
    reader.close();
    stalled.close();

    const lags = [...sentAt].filter(([id]) => finishedAt.has(id)).map(([id, at]) => finishedAt.get(id)! - at);
    const seen = lags.length;
    const growth = rssEnd - rssStart;
    const sseP99 = quantile(delivery, 0.99);
    const keptUp = stats.finished >= finishedByEngine && stats.missed === 0 && sseP99 < LAG_GOAL_MS;
    const engineKeptUp = sentAt.size >= RATE * SECONDS * 0.99 && seen === sentAt.size && quantile(lags, 0.99) < LAG_GOAL_MS;
    const flat = growth < RSS_GROWTH_GOAL_MB;
    if (!keptUp) failures++;
    if (!flat) failures++;
    console.log(`\nSSE at ${RATE} runs/s for ${SECONDS} s after ${WARMUP_SECONDS} s of warm-up (webhook → log, SQLite synchronous=${SYNC}, one reading + one stalled client):`);
    console.log(`accepted ${sentAt.size} runs in ${driveSeconds.toFixed(1)} s (${(sentAt.size / driveSeconds).toFixed(0)}/s), rejected ${rejected}`);
    console.log(`the engine finished ${seen} of them by ${drainSeconds.toFixed(1)} s (${(seen / drainSeconds).toFixed(0)} runs/s); ` +
      `the stream told of ${stats.finished} run.finished of the ${finishedByEngine} the engine counted (warm-up included); ` +
      `${stats.events - eventsBefore} events (${((stats.events - eventsBefore) / drainSeconds).toFixed(0)}/s); missed markers ${stats.missed}`);
    console.log(`SSE delivery (server emit → client read): p50 ${quantile(delivery, 0.5).toFixed(0)} ms, p99 ${sseP99.toFixed(0)} ms, ` +
      `max ${quantile(delivery, 1).toFixed(0)} ms ${keptUp ? "(stream kept up: ok)" : "(stream kept up: MISSED)"}`);
    console.log(`end to end (POST → run.finished read): p50 ${quantile(lags, 0.5).toFixed(0)} ms, p99 ${quantile(lags, 0.99).toFixed(0)} ms ` +
      `${engineKeptUp ? "(engine kept up)" : "(the engine fell behind the offered rate: reported, see the ingest/worker figures)"}`);
    console.log(`server RSS: start ${rssStart.toFixed(0)} MB, max ${Math.max(...samples).toFixed(0)} MB, end ${rssEnd.toFixed(0)} MB ` +
      `(growth ${growth.toFixed(0)} MB ${flat ? `< ${RSS_GROWTH_GOAL_MB} MB: flat` : `>= ${RSS_GROWTH_GOAL_MB} MB: NOT flat`})`);
    console.log(`RSS samples (MB, 1/s): ${samples.map((s) => s.toFixed(0)).join(" ")}`);
    console.log(`heap used samples (MB, 1/s): ${heaps.map((s) => s.toFixed(0)).join(" ")}`);
  } finally {
    await server.stop();
  }
  return failures;
}

function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
