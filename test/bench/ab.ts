/**
 * `npx tsx test/bench/ab.ts`: interleaved A/B runs of server variants on one flow, for judging a
 * change on a machine whose speed drifts (the same build measured 1,000–2,800 req/s at 10
 * connections within minutes). Every variant runs in its own server at once; each round loads
 * them one after the other, in reversed order every other round, and the table shows medians of
 * req/s and server CPU µs per request, with every round's figures.
 *
 * AB_VARIANTS is JSON: variant name → the server's extra environment, plus `root` to run another
 * checkout (`git worktree add /tmp/runnel-old <commit>`, then link its node_modules to this one's).
 *   AB_VARIANTS='{"old":{"root":"/tmp/runnel-old"},"new":{}}' npx tsx test/bench/ab.ts
 *   AB_VARIANTS='{"w1":{"RUNNEL_SQLITE_COMMIT_WINDOW_MS":"1"},"w0":{"RUNNEL_SQLITE_COMMIT_WINDOW_MS":"0"}}' npx tsx test/bench/ab.ts
 * Env: AB_FLOW (pipeline-respond), BENCH_CONNECTIONS (10), BENCH_ROUNDS (5), BENCH_DURATION (s, 6).
 */
import { startRealServer, type RealServer } from "../helpers/real-server.ts";
import { tempDir } from "../helpers/temp-store.ts";
import { benchFlow, type FlowKind, type ReplyMode } from "./bench-flows.ts";
import { envNumber, load, median } from "./load.ts";
import { cpuMs } from "./run-log.ts";

type Variant = Record<string, string> & { root?: string };

const variants = JSON.parse(process.env.AB_VARIANTS ?? '{"a":{},"b":{}}') as Record<string, Variant>;
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? "10").split(",").map(Number);
const ROUNDS = envNumber("BENCH_ROUNDS", 5);
const DURATION = envNumber("BENCH_DURATION", 6);
const [kind, mode] = (process.env.AB_FLOW ?? "pipeline-respond").split("-") as [FlowKind, ReplyMode];

interface Running {
  server: RealServer;
  url: string;
  remove(): void;
}

async function startVariant(name: string, { root, ...env }: Variant): Promise<Running> {
  const start = root
    ? ((await import(`${root}/test/helpers/real-server.ts`)) as typeof import("../helpers/real-server.ts")).startRealServer
    : startRealServer;
  const temp = tempDir(`runnel-ab-${name}-`);
  const server = await start({ dataDir: temp.dir, env: { RUNNEL_RETENTION_INTERVAL: "86400000", ...env } });
  const res = await fetch(`${server.url}/api/flows`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(benchFlow(kind, mode)) });
  if (!res.ok) throw new Error(`creating the flow on ${name} failed: ${res.status} ${await res.text()}`);
  const url = `${server.url}/hooks/${kind}-${mode}`;
  await load({ url, connections: 10, durationS: 3, idPrefix: `warm-${name}` });
  return { server, url, remove: () => temp.remove() };
}

const running = new Map<string, Running>();
try {
  for (const [name, variant] of Object.entries(variants)) running.set(name, await startVariant(name, variant));
  const figures = new Map<string, { rate: number[]; cpu: number[]; p99: number[] }>();
  for (let round = 0; round < ROUNDS; round++) {
    const order = [...running.keys()];
    if (round % 2 === 1) order.reverse();
    for (const connections of CONNECTIONS) {
      for (const name of order) {
        const { server, url } = running.get(name)!;
        const pid = server.child.pid!;
        const cpuBefore = cpuMs(pid);
        const result = await load({ url, connections, durationS: DURATION, idPrefix: `r${round}-c${connections}-${name}` });
        const cpuUs = Math.round(((cpuMs(pid) - cpuBefore) * 1000) / Math.max(1, result.requests));
        const key = `${name} c${connections}`;
        const entry = figures.get(key) ?? { rate: [], cpu: [], p99: [] };
        entry.rate.push(result.reqPerSec);
        entry.cpu.push(cpuUs);
        entry.p99.push(result.p99Ms);
        figures.set(key, entry);
        console.log(`round ${round + 1} ${key}: ${result.reqPerSec} req/s, ${cpuUs} µs/req, p99 ${result.p99Ms} ms`);
      }
    }
  }
  console.table(
    [...figures].map(([key, f]) => ({
      variant: key,
      "req/s": median(f.rate),
      "CPU µs/req": median(f.cpu),
      "p99 ms": median(f.p99),
      "req/s by round": f.rate.join(" "),
      "µs/req by round": f.cpu.join(" "),
    })),
  );
} finally {
  for (const { server, remove } of running.values()) {
    await server.stop();
    remove();
  }
}
