/**
 * Runs per second end to end (webhook acknowledged → run succeeded) on PostgreSQL with 1, 2 and
 * 4 `runnel worker` processes behind one `runnel api`, against `runnel start` on SQLite in one
 * process, all on this machine. Run: `npx tsx test/bench/cluster.bench.ts [webhooks]` (also part of `npm run bench`).
 * Needs PostgreSQL (RUNNEL_TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test).
 */
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { clusterSecretKey, dedupeToHttpFlow, saveFlow, sendAll, startWorkerProcess } from "../helpers/cluster.ts";
import { json, startHttpTarget } from "../helpers/http-target.ts";
import { dropSchema, freshSchema, PG_TEST_URL, postgresUnavailable } from "../helpers/postgres.ts";
import { startRealServer } from "../helpers/real-server.ts";

const WEBHOOKS = Number(process.argv[2] ?? 3_000);
const CONCURRENCY = 32;
const TIME_LIMIT_MS = 120_000;

interface Deployment {
  label: string;
  url: string;
  /** Runnel's processes for CPU accounting: the one that ingests (api or start), and the workers. */
  pids: { ingress: number; workers: number[] };
  finished(): Promise<number>;
  stop(): Promise<void>;
}

interface Result {
  label: string;
  ingestPerSec: number;
  runsPerSec: number;
  seconds: number;
  /** CPU time per run, in ms: the ingress process, the workers, PostgreSQL, and this process (load + sink). */
  ingressCpuMs: number;
  workersCpuMs: number;
  postgresCpuMs: number;
  driverCpuMs: number;
  load: number;
}

const TICK_MS = 1000 / 100; // /proc reports CPU time in clock ticks of 10 ms on Linux

/** User + system CPU time of a process in ms, from /proc (0 once it is gone). */
function cpuOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

/** CPU time of every PostgreSQL server process (backends, WAL writer, …), in ms. */
function postgresCpu(): number {
  let total = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() === "postgres") total += cpuOf(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

function driverCpu(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

async function measure(deployment: Deployment, sinkUrl: string): Promise<Result> {
  await saveFlow(deployment.url, dedupeToHttpFlow("bench", `${sinkUrl}/bench`));
  const workersCpu = () => sum(deployment.pids.workers.map(cpuOf));
  const cpuBefore = { ingress: cpuOf(deployment.pids.ingress), workers: workersCpu(), postgres: postgresCpu(), driver: driverCpu() };
  const started = performance.now();
  const deadline = Date.now() + TIME_LIMIT_MS;
  await sendAll(
    WEBHOOKS,
    CONCURRENCY,
    async (i) => {
      const res = await fetch(`${deployment.url}/hooks/bench`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ id: `b-${i}`, amount: i }),
      });
      if (res.status !== 202) throw new Error(`webhook answered ${res.status}`);
      await res.arrayBuffer();
    },
    { deadline },
  );
  const ingested = performance.now();
  while ((await deployment.finished()) < WEBHOOKS) {
    if (Date.now() > deadline) throw new Error(`${deployment.label}: runs did not finish within ${TIME_LIMIT_MS} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const done = performance.now();
  return {
    label: deployment.label,
    ingestPerSec: WEBHOOKS / ((ingested - started) / 1000),
    runsPerSec: WEBHOOKS / ((done - started) / 1000),
    seconds: (done - started) / 1000,
    ingressCpuMs: (cpuOf(deployment.pids.ingress) - cpuBefore.ingress) / WEBHOOKS,
    workersCpuMs: (workersCpu() - cpuBefore.workers) / WEBHOOKS,
    postgresCpuMs: (postgresCpu() - cpuBefore.postgres) / WEBHOOKS,
    driverCpuMs: (driverCpu() - cpuBefore.driver) / WEBHOOKS,
    load: os.loadavg()[0]!,
  };
}

async function sqliteDeployment(): Promise<Deployment> {
  const server = await startRealServer({ command: "start", env: { RUNNEL_HTTP_ALLOW: "127.0.0.1" } });
  const db = new Database(path.join(server.dataDir, "runnel.db"), { readonly: true });
  const count = db.prepare("SELECT count(*) AS n FROM runs WHERE status = 'succeeded'");
  return {
    label: "SQLite, runnel start (1 process)",
    url: server.url,
    pids: { ingress: server.child.pid!, workers: [] },
    finished: async () => (count.get() as { n: number }).n,
    async stop() {
      db.close();
      await server.stop();
    },
  };
}

async function postgresDeployment(workers: number): Promise<Deployment> {
  const schema = freshSchema("bench");
  const env = { DATABASE_URL: PG_TEST_URL, RUNNEL_PG_SCHEMA: schema, RUNNEL_HTTP_ALLOW: "127.0.0.1", RUNNEL_SECRET_KEY: clusterSecretKey() };
  const api = await startRealServer({ command: "api", env });
  const started = await Promise.all(Array.from({ length: workers }, () => startWorkerProcess(env)));
  const db = new pg.Client({ connectionString: PG_TEST_URL });
  await db.connect();
  await db.query(`SET search_path = "${schema}"`);
  return {
    label: `PostgreSQL, runnel api + ${workers} runnel worker${workers === 1 ? "" : "s"}`,
    url: api.url,
    pids: { ingress: api.child.pid!, workers: started.map((w) => w.pid) },
    finished: async () => (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM runs WHERE status = 'succeeded'")).rows[0]!.n,
    async stop() {
      await db.end();
      await Promise.all([api.stop(), ...started.map((w) => w.stop())]);
      await dropSchema(schema);
    },
  };
}

async function main(): Promise<void> {
  const reason = await postgresUnavailable();
  if (reason) throw new Error(reason);
  const sink = await startHttpTarget({ "/bench": (_req, res) => json(res, 200, { ok: true }) });
  const results: Result[] = [];
  const setups: (() => Promise<Deployment>)[] = [sqliteDeployment, () => postgresDeployment(1), () => postgresDeployment(2), () => postgresDeployment(4)];
  try {
    for (const setup of setups) {
      const deployment = await setup();
      try {
        results.push(await measure(deployment, sink.url));
        process.stderr.write(`${JSON.stringify(results.at(-1))}\n`);
      } finally {
        await deployment.stop();
      }
    }
  } finally {
    await sink.close();
  }
  console.log(
    `\n${WEBHOOKS} webhooks → dedupe → http (sink on 127.0.0.1), ${CONCURRENCY} concurrent senders, worker concurrency 16, ` +
      `${os.cpus().length} cores\n`,
  );
  console.log("| deployment | ingest (acks/s) | end to end (runs/s) | CPU ms per run: api/start | workers | PostgreSQL | load generator + sink | load avg |");
  console.log("|---|---|---|---|---|---|---|---|");
  for (const r of results) {
    const sqlite = r.label.startsWith("SQLite");
    console.log(
      `| ${r.label} | ${r.ingestPerSec.toFixed(0)} | ${r.runsPerSec.toFixed(0)} | ${r.ingressCpuMs.toFixed(2)} | ` +
        `${sqlite ? "—" : r.workersCpuMs.toFixed(2)} | ${sqlite ? "—" : r.postgresCpuMs.toFixed(2)} | ${r.driverCpuMs.toFixed(2)} | ${r.load.toFixed(1)} |`,
    );
  }
}

await main();
