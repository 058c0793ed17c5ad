/**
 * `npx tsx test/bench/profile.ts [seconds] [flow-mode]`: runs the server under `node --cpu-prof`
 * with the bench load (pipeline-respond at 50 connections by default), then prints the top
 * self-time functions and leaves the .cpuprofile in test/bench/results/ for Chrome DevTools.
 */
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { startRealServer } from "../helpers/real-server.ts";
import { tempDir } from "../helpers/temp-store.ts";
import { benchFlow, type FlowKind, type ReplyMode } from "./bench-flows.ts";
import { load } from "./load.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

const seconds = Number(process.argv[2] ?? 10);
const [kind, mode] = (process.argv[3] ?? "pipeline-respond").split("-") as [FlowKind, ReplyMode];
const out = path.join(import.meta.dirname, "results", `profile-${Date.now()}`);
mkdirSync(out, { recursive: true });
const temp = tempDir("runnel-bench-profile-");
const server = await startRealServer({ dataDir: temp.dir, nodeArgs: ["--cpu-prof", "--cpu-prof-dir", out] });
try {
  const res = await fetch(`${server.url}/api/flows`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(benchFlow(kind, mode)) });
  if (!res.ok) throw new Error(`creating the flow failed: ${res.status}`);
  const url = `${server.url}/hooks/${kind}-${mode}`;
  await load({ url, connections: 50, durationS: 2, idPrefix: "warm" });
  const connections = Number(process.env.PROFILE_CONNECTIONS ?? 50);
  const result = await load({ url, connections, durationS: seconds, idPrefix: "prof" });
  console.log(`${kind} ${mode} c${connections}: ${result.reqPerSec} req/s, p99 ${result.p99Ms} ms`);
} finally {
  await server.stop();
  temp.remove();
}
const file = readdirSync(out).find((f) => f.endsWith(".cpuprofile"));
if (!file) throw new Error("no profile was written");
const profile = JSON.parse(readFileSync(path.join(out, file), "utf8")) as { nodes: ProfileNode[] };
const total = profile.nodes.reduce((sum, n) => sum + (n.hitCount ?? 0), 0);
const self = new Map<string, number>();
for (const n of profile.nodes) {
  const where = `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url.replace(/^.*\/(node_modules|wt-[^/]+|work\/[^/]+)\//, "")}:${n.callFrame.lineNumber + 1}`;
  self.set(where, (self.get(where) ?? 0) + (n.hitCount ?? 0));
}
console.log(`profile: ${path.join(out, file)}`);
for (const [where, hits] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 40)) {
  console.log(`${((hits / total) * 100).toFixed(1).padStart(5)}%  ${where}`);
}
