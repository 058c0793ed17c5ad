import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { clusterSecretKey, dedupeToHttpFlow, saveFlow, sendAll, startWorkerProcess, type WorkerProcess } from "../helpers/cluster.ts";
import { json, startHttpTarget } from "../helpers/http-target.ts";
import { dropSchema, freshSchema, PG_TEST_URL, postgresUnavailable } from "../helpers/postgres.ts";
import { startRealServer, type RealServer } from "../helpers/real-server.ts";

const unavailable = await postgresUnavailable();

const WEBHOOKS = 3_000;
const REPEATS = 300; // 10% of the deliveries repeat an id sent earlier
const LEASE_MS = 6_000; // renewed every 2 s: a loaded machine's hiccups must not fake a takeover
const POLL_MS = 1_000; // the worker's fallback poll, which finds expired leases
const DEADLINE_MS = 100_000;

/** Ids 0..2699 once each, plus 300 repeats of earlier ids, in a fixed shuffled order. */
function deliveryIds(): string[] {
  const ids = Array.from({ length: WEBHOOKS - REPEATS }, (_, i) => `order-${i}`);
  for (let i = 0; i < REPEATS; i++) ids.push(`order-${(i * 7) % (WEBHOOKS - REPEATS)}`);
  let seed = 42;
  for (let i = ids.length - 1; i > 0; i--) {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = seed % (i + 1);
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  return ids;
}

describe.skipIf(unavailable)("a cluster on PostgreSQL: 1 api + 3 worker processes", () => {
  const schema = freshSchema("cluster");
  const processes: { stop(): Promise<unknown> }[] = [];
  let db: pg.Client | undefined;
  const cleanups: (() => Promise<void>)[] = [];

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop().catch(() => undefined)));
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    await db?.end();
    await dropSchema(schema);
  });

  it(
    "runs 3,000 webhooks through dedupe and http with a worker SIGKILLed half-way: all succeed, each id passes once, no double execution, nothing stuck",
    async () => {
      const deadline = Date.now() + DEADLINE_MS;
      // Answers after 100 ms: the worker killed half-way has http calls in flight.
      const sink = await startHttpTarget({ "/orders": (_req, res) => void setTimeout(() => json(res, 200, { ok: true }), 100) });
      cleanups.push(sink.close);
      const env = {
        DATABASE_URL: PG_TEST_URL,
        RUNNEL_PG_SCHEMA: schema,
        RUNNEL_SECRET_KEY: clusterSecretKey(),
        RUNNEL_PG_POOL_SIZE: "6",
        RUNNEL_LEASE_MS: String(LEASE_MS),
        RUNNEL_HTTP_ALLOW: "127.0.0.1",
        RUNNEL_WORKER_CONCURRENCY: "16",
      };
      const api: RealServer = await startRealServer({ command: "api", env });
      processes.push(api);
      const workers: WorkerProcess[] = await Promise.all([1, 2, 3].map(() => startWorkerProcess(env)));
      processes.push(...workers);
      expect(await (await fetch(`${api.url}/api/health`)).json()).toMatchObject({ ok: true, store: "postgres" });

      await saveFlow(api.url, dedupeToHttpFlow("orders", `${sink.url}/orders`));

      db = new pg.Client({ connectionString: PG_TEST_URL });
      await db.connect();
      await db.query(`SET search_path = "${schema}"`);

      const ids = deliveryIds();
      const started = Date.now();
      let killed: { owner: string; at: number; held: string[] } | undefined;
      const acks = await sendAll(
        WEBHOOKS,
        24,
        async (i) => {
          const res = await fetch(`${api.url}/hooks/orders`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ id: ids[i], n: i }),
          });
          return { status: res.status, runId: ((await res.json()) as { runId: string }).runId };
        },
        {
          deadline,
          onProgress: async (done) => {
            if (done !== WEBHOOKS / 2 || killed) return;
            const victim = workers[0]!;
            // Kill it while it holds several runs (bounded wait; the other senders keep going).
            const until = Date.now() + 5_000;
            const holding = async () =>
              (await db!.query<{ n: number }>("SELECT count(*)::int AS n FROM runs WHERE lease_owner = $1 AND status = 'running'", [victim.owner])).rows[0]!.n;
            while ((await holding()) < 4 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
            await victim.kill();
            const at = Date.now();
            // Frozen from now on: these are the runs the dead worker held, in-flight steps included.
            const held = await db!.query<{ id: string }>("SELECT id FROM runs WHERE lease_owner = $1 AND status = 'running'", [victim.owner]);
            killed = { owner: victim.owner, at, held: held.rows.map((r) => r.id) };
            processes.push(await startWorkerProcess(env));
          },
        },
      );
      expect(acks.filter((a) => a.status !== 202), "webhooks not acknowledged with 202").toEqual([]);
      expect(new Set(acks.map((a) => a.runId)).size).toBe(WEBHOOKS);
      expect(killed).toBeDefined();

      for (;;) {
        const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM runs WHERE status NOT IN ('queued', 'running')");
        if (rows[0]!.n === WEBHOOKS) break;
        if (Date.now() > deadline) throw new Error(`only ${rows[0]!.n}/${WEBHOOKS} runs finished in time`);
        await new Promise((r) => setTimeout(r, 200));
      }

      // Every run ends succeeded.
      const statuses = await db.query<{ status: string; n: number }>("SELECT status, count(*)::int AS n FROM runs GROUP BY status");
      expect(statuses.rows, "every run ends succeeded").toEqual([{ status: "succeeded", n: WEBHOOKS }]);

      // Each id passes dedupe exactly once; every repeat goes to `duplicate`.
      const dedupeSteps = await db.query<{ run_id: string; trigger: string; outputs: string }>(
        `SELECT d.run_id, t.outputs AS trigger, d.outputs FROM steps d JOIN steps t ON t.run_id = d.run_id AND t.seq = 1 WHERE d.node_id = 'd'`,
      );
      expect(dedupeSteps.rows).toHaveLength(WEBHOOKS);
      const passedRunById = new Map<string, string[]>();
      for (const row of dedupeSteps.rows) {
        const id = (JSON.parse(row.trigger) as { out: { body: { id: string } }[] }).out[0]!.body.id;
        const outputs = JSON.parse(row.outputs) as Record<string, unknown[]>;
        if ((outputs.out?.length ?? 0) > 0) passedRunById.set(id, [...(passedRunById.get(id) ?? []), row.run_id]);
        else expect(outputs.duplicate).toHaveLength(1);
      }
      expect(passedRunById.size).toBe(WEBHOOKS - REPEATS);
      for (const [id, runs] of passedRunById) expect(runs, `runs that passed dedupe with id ${id}`).toHaveLength(1);

      // At the sink: one Idempotency-Key per passed id, attempts from the dead worker's in-flight steps plus one.
      const attemptsByKey = new Map<string, number>();
      for (const request of sink.to("/orders")) {
        const key = String(request.headers["idempotency-key"]);
        attemptsByKey.set(key, (attemptsByKey.get(key) ?? 0) + 1);
      }
      const expectedKeys = [...passedRunById.values()].map(([runId]) => `${runId}:h:1`).sort();
      expect([...attemptsByKey.keys()].sort()).toEqual(expectedKeys);
      const held = new Set(killed!.held);
      // The kill must have hit work in flight, or it proved nothing.
      expect(held.size, "runs held by the worker when it was killed").toBeGreaterThan(0);
      for (const [key, attempts] of attemptsByKey) {
        if (attempts > 1) {
          expect(held.has(key.split(":")[0]!), `${key} was sent ${attempts} times by live workers`).toBe(true);
          expect(attempts, `attempts of ${key}`).toBe(2);
        }
      }

      // No run stuck after one lease period: the dead worker's runs finished soon after their leases ran out.
      const finished = await db.query<{ last: number }>("SELECT max(finished_at)::float8 AS last FROM runs WHERE id = ANY($1)", [killed!.held]);
      const recoveredMs = finished.rows[0]!.last - killed!.at;
      expect(recoveredMs, `the dead worker's runs finished ${recoveredMs} ms after the kill`).toBeLessThan(LEASE_MS + POLL_MS + 5_000);
      const repeated = [...attemptsByKey.values()].filter((n) => n > 1).length;
      console.log(
        `cluster: ${WEBHOOKS} runs in ${((Date.now() - started) / 1000).toFixed(1)} s; the killed worker held ${held.size} runs, ` +
          `${repeated} http calls repeated after it, its last run finished ${recoveredMs} ms after the kill (lease ${LEASE_MS} ms)`,
      );
    },
    DEADLINE_MS + 20_000,
  );
});
