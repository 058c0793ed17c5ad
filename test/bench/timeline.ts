/**
 * `npx tsx test/bench/timeline.ts [connections] [flow-mode]`: where a webhook request's time goes
 * under closed-loop load (pipeline-respond at 10 connections by default). The server runs with
 * timeline-preload.mjs, which records each request, `COMMIT` and WAL sync; each request is then
 * matched to the commit that followed it and the sync that covered that commit, and the means of
 * each phase are printed, with the share of the time in which every request inside the server was
 * waiting for a sync (the event loop had nothing to do but wait for the disk).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { startRealServer } from "../helpers/real-server.ts";
import { tempDir } from "../helpers/temp-store.ts";
import { benchFlow, passThroughEnv, type FlowKind, type ReplyMode } from "./bench-flows.ts";
import { load } from "./load.ts";

type Event = [micros: number, kind: "request" | "end" | "finish" | "commit" | "committed" | "sync" | "synced", socket: number];
interface Request {
  socket: number;
  request: number;
  commit?: number;
  committed?: number;
  sync?: number;
  synced?: number;
  end?: number;
  finish?: number;
}
type Traced = Required<Request>;

const connections = Number(process.argv[2] ?? 10);
const [kind, mode] = (process.argv[3] ?? "pipeline-respond").split("-") as [FlowKind, ReplyMode];
const temp = tempDir("runnel-bench-timeline-");
const out = path.join(temp.dir, "timeline.json");
const server = await startRealServer({
  dataDir: path.join(temp.dir, "data"),
  env: { ...passThroughEnv(), TIMELINE_OUT: out },
  nodeArgs: ["--import", path.join(import.meta.dirname, "timeline-preload.mjs")],
});
let rate: number;
try {
  const res = await fetch(`${server.url}/api/flows`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(benchFlow(kind, mode)) });
  if (!res.ok) throw new Error(`creating the flow failed: ${res.status}`);
  const url = `${server.url}/hooks/${kind}-${mode}`;
  await load({ url, connections, durationS: 3, idPrefix: "warm" });
  server.child.kill("SIGUSR1");
  rate = (await load({ url, connections, durationS: 4, idPrefix: "timeline" })).reqPerSec;
  server.child.kill("SIGUSR2");
  await new Promise((resolve) => setTimeout(resolve, 500));
} finally {
  await server.stop();
}
const events = JSON.parse(readFileSync(out, "utf8")) as Event[];
temp.remove();

const inServer: Request[] = [];
let uncommitted: Request[] = [];
let unsynced: Request[] = [];
let syncing: Request[] = [];
const traced: Traced[] = [];
const lastFinish = new Map<number, number>();
const turnarounds: number[] = [];
for (const [at, what, socket] of events) {
  if (what === "request") {
    const request = { socket, request: at };
    inServer.push(request);
    uncommitted.push(request);
    const finished = lastFinish.get(socket);
    if (finished !== undefined) turnarounds.push(at - finished);
  } else if (what === "commit") {
    for (const request of uncommitted) request.commit = at;
  } else if (what === "committed") {
    for (const request of uncommitted) request.committed = at;
    unsynced.push(...uncommitted);
    uncommitted = [];
  } else if (what === "sync") {
    syncing = unsynced;
    unsynced = [];
    for (const request of syncing) request.sync = at;
  } else if (what === "synced") {
    for (const request of syncing) request.synced = at;
    syncing = [];
  } else {
    const request = inServer.find((r) => r.socket === socket);
    if (!request) continue;
    if (what === "end") request.end = at;
    else {
      request.finish = at;
      inServer.splice(inServer.indexOf(request), 1);
      lastFinish.set(socket, at);
      if (request.commit && request.committed && request.sync && request.synced && request.end) traced.push(request as Traced);
    }
  }
}

const mean = (values: number[]) => Math.round(values.reduce((sum, v) => sum + v, 0) / Math.max(1, values.length));
const phase = (from: keyof Traced, to: keyof Traced) => mean(traced.map((r) => r[to] - r[from]));
console.log(`${kind}-${mode}, ${connections} connections: ${rate} req/s; ${traced.length} requests traced`);
console.table({
  "µs, mean": {
    "to its commit": phase("request", "commit"),
    COMMIT: phase("commit", "committed"),
    "to its sync": phase("committed", "sync"),
    "sync (seen by the loop)": phase("sync", "synced"),
    "to end()": phase("synced", "end"),
    "end() to finish": phase("end", "finish"),
    "in the server": phase("request", "finish"),
    "client turnaround": mean(turnarounds),
  },
});

const bySync = new Map<number, Traced[]>();
for (const r of traced) bySync.set(r.synced, [...(bySync.get(r.synced) ?? []), r]);
const first = mean([...bySync.values()].map((batch) => Math.min(...batch.map((r) => r.end - r.synced))));
const last = mean([...bySync.values()].map((batch) => Math.max(...batch.map((r) => r.end - r.synced))));
const span = (events.at(-1)![0] - events[0]![0]) / 1e6;
const commits = events.filter((e) => e[1] === "commit").length;
console.log(`${Math.round(commits / span)} commits/s, ${(traced.length / Math.max(1, commits)).toFixed(2)} requests per commit; after a sync, its first reply ${first} µs later, its last ${last} µs`);

// Sweep the phases over time: when every request inside the server is in a sync, the loop waits.
const edges: [at: number, waiting: number, others: number][] = [];
for (const r of traced) edges.push([r.request, 0, 1], [r.sync, 1, -1], [r.synced, -1, 1], [r.finish, 0, -1]);
edges.sort((a, b) => a[0] - b[0]);
let waiting = 0;
let others = 0;
let previous = edges[0]?.[0] ?? 0;
let onlySync = 0;
let empty = 0;
for (const [at, dWaiting, dOthers] of edges) {
  if (others === 0) {
    if (waiting > 0) onlySync += at - previous;
    else empty += at - previous;
  }
  waiting += dWaiting;
  others += dOthers;
  previous = at;
}
const total = previous - (edges[0]?.[0] ?? 0);
console.log(`share of the time every request in the server waited for a sync: ${((100 * onlySync) / total).toFixed(1)}%; with no request in the server: ${((100 * empty) / total).toFixed(1)}%`);
