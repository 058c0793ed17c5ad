/**
 * `npx tsx test/bench/latency-inside.ts`: the fixed-rate run (pipeline flow, respond mode, open
 * loop) seen from both ends. Next to the load generator's latency per request (from its due time)
 * it prints the server's own (Node's `request` event to the response's `finish`), the server's
 * event-loop delay and its GC pauses (latency-preload.mjs). What the client sees beyond the
 * server's own figure is the generator and the shared machine.
 * Env: BENCH_RATE (1000), BENCH_ROUNDS (3), BENCH_DURATION (s, 8); RUNNEL_SQLITE_SYNC reaches the server.
 */
import path from "node:path";
import { startRealServer } from "../helpers/real-server.ts";
import { tempDir } from "../helpers/temp-store.ts";
import { benchFlow, passThroughEnv } from "./bench-flows.ts";
import { envNumber, load, machine, sleep } from "./load.ts";
import { openLoop } from "./open-loop.ts";

const RATE = envNumber("BENCH_RATE", 1000);
const ROUNDS = envNumber("BENCH_ROUNDS", 3);
const DURATION = envNumber("BENCH_DURATION", 8);
const MARK = "latency-inside ";

const temp = tempDir("runnel-bench-latency-");
const preload = path.join(import.meta.dirname, "latency-preload.mjs");
const server = await startRealServer({ dataDir: temp.dir, nodeArgs: ["--import", preload], env: passThroughEnv() });
const reports: string[] = [];
let pending = "";
server.child.stderr!.on("data", (chunk: Buffer) => {
  pending += chunk;
  const lines = pending.split("\n");
  pending = lines.pop()!;
  for (const line of lines) if (line.startsWith(MARK)) reports.push(line.slice(MARK.length));
});
/** The server's figures since the last call. */
async function serverReport(): Promise<Record<string, unknown>> {
  const before = reports.length;
  server.child.kill("SIGUSR2");
  for (let waited = 0; reports.length === before; waited += 20) {
    if (waited > 5_000) throw new Error("the server did not report its latency (is latency-preload.mjs loaded?)");
    await sleep(20);
  }
  return JSON.parse(reports.at(-1)!) as Record<string, unknown>;
}

try {
  const res = await fetch(`${server.url}/api/flows`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(benchFlow("pipeline", "respond")) });
  if (!res.ok) throw new Error(`creating the flow failed: ${res.status}`);
  const url = `${server.url}/hooks/pipeline-respond`;
  // A fresh server's first thousands of requests run before V8 has optimised their path.
  await load({ url, connections: 10, durationS: 5, idPrefix: "warm" });
  console.log(`machine: ${JSON.stringify(machine())}; ${RATE} req/s offered for ${DURATION} s a round`);
  for (let round = 1; round <= ROUNDS; round++) {
    await serverReport();
    const client = await openLoop({ url, rate: RATE, durationS: DURATION, connections: 64, idPrefix: `lat${round}` });
    const inside = await serverReport();
    console.log(JSON.stringify({ round, client: { p50: client.p50Ms, p99: client.p99Ms, sendLagP99: client.sendLagP99Ms, non2xx: client.non2xx + client.errors }, server: inside }));
  }
} finally {
  await server.stop();
  temp.remove();
}
