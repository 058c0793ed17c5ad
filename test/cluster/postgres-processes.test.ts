import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { createApp } from "../../api/app.ts";
import { builtinNodes, Catalog, createEngine, PostgresStore, type Engine, type EngineEvent } from "../../engine/index.ts";
import { defineNode } from "../../engine/nodes/index.ts";
import { generateSecretKey, parseSecretKey } from "../../engine/security/credential-crypto.ts";
import { flow } from "../helpers/flows.ts";
import { json, startHttpTarget } from "../helpers/http-target.ts";
import { dropSchema, freshSchema, PG_TEST_URL, postgresUnavailable } from "../helpers/postgres.ts";

const unavailable = await postgresUnavailable();

/** A node that waits until the test opens its gate: a step that is in flight for as long as we like. */
function gateCatalog() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  let entered!: () => void;
  const reached = new Promise<void>((resolve) => (entered = resolve));
  const executions: string[] = [];
  const gate = defineNode({
    type: "gate",
    category: "logic",
    title: "Gate",
    description: "test only",
    icon: "gate",
    outputs: ["out"],
    config: z.object({}),
    run: async (ctx, msg) => {
      executions.push(ctx.runId);
      entered();
      await opened;
      return { out: [msg] };
    },
  });
  return { catalog: new Catalog([...builtinNodes, gate]), open, reached, executions };
}

describe.skipIf(unavailable)("processes sharing one PostgreSQL schema", () => {
  let schema: string;
  // One deployment, one credentials key (RUNNEL_SECRET_KEY on every machine).
  const secretKey = parseSecretKey(generateSecretKey());
  const opened: { engine: Engine; store: PostgresStore }[] = [];

  /** One "process": its own pool, LISTEN connection and engine, as a separate OS process would have. */
  async function process(options: { worker: boolean; catalog?: Catalog; pollMs?: number }) {
    const store = await PostgresStore.open({ connectionString: PG_TEST_URL, schema, poolSize: 4 });
    const worker = options.worker ? { pollMs: options.pollMs ?? 60_000, leaseMs: 5_000 } : false;
    // As `runnel worker` and `runnel api` compose it: a worker only sends events and replies.
    const engine = createEngine({ store, catalog: options.catalog, worker, receiveFromPeers: !options.worker, secretKey });
    await engine.start();
    opened.push({ engine, store });
    const events: EngineEvent[] = [];
    engine.events.on((e) => events.push(e));
    return { engine, store, events };
  }

  function finished(engine: Engine, runId: string, timeoutMs = 10_000): Promise<EngineEvent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`run ${runId} did not finish within ${timeoutMs} ms`)), timeoutMs);
      const off = engine.events.on((e) => {
        if (e.type !== "run.finished" || e.runId !== runId) return;
        clearTimeout(timer);
        off();
        resolve(e);
      });
    });
  }

  beforeEach(() => {
    schema = freshSchema("procs");
  });
  afterEach(async () => {
    for (const { engine, store } of opened.splice(0)) {
      await engine.stop(1_000);
      await store.close();
    }
    await dropSchema(schema);
  });

  it("answers a respond-mode webhook whose run executes in a worker process, small and large replies alike", async () => {
    const api = await process({ worker: false });
    await process({ worker: true });
    const app = createApp({ engine: api.engine, version: "test", maxBodyBytes: 1 << 20 });
    await api.engine.flows.create(
      flow(
        "Echo",
        [
          { id: "w", type: "webhook", config: { path: "echo", respond: "respond", timeoutMs: 10_000 } },
          { id: "p", type: "respond", config: { status: 201, body: "{ 'echo': body.text }" } },
        ],
        ["w->p"],
      ),
    );
    const post = (text: string) =>
      app.request("/hooks/echo", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text }) });

    const small = await post("hello");
    expect(small.status).toBe(201);
    expect(await small.json()).toEqual({ echo: "hello" });
    // Far beyond NOTIFY's 8000-byte payload limit: travels through the spill table.
    const big = "x".repeat(50_000);
    const large = await post(big);
    expect(large.status).toBe(201);
    expect(await large.json()).toEqual({ echo: big });
  });

  it("lets a worker use a credential saved through the API process, never writing it to the run log", async () => {
    const api = await process({ worker: false });
    await process({ worker: true });
    const target = await startHttpTarget({ "/secured": (req, res) => json(res, 200, { auth: req.headers.authorization }) });
    try {
      const { id } = await api.engine.credentials.create({ name: "Deploy", type: "bearer-token", data: { token: "s3cret-token-value" } });
      const saved = await api.engine.flows.create(
        flow(
          "Call",
          [{ id: "m", type: "manual" }, { id: "h", type: "http", config: { method: "POST", url: `${target.url}/secured`, auth: { credential: id } } }],
          ["m->h"],
        ),
      );
      const runId = await api.engine.runs.startManual(saved.id, {});
      expect(await finished(api.engine, runId)).toMatchObject({ status: "succeeded" });
      expect(target.to("/secured")[0]?.headers.authorization).toBe("Bearer s3cret-token-value");
      expect(JSON.stringify(await api.store.getRun(runId))).not.toContain("s3cret-token-value");
    } finally {
      await target.close();
    }
  });

  it("streams a worker process's run events to the API process, each exactly once", async () => {
    const api = await process({ worker: false });
    await process({ worker: true });
    const saved = await api.engine.flows.create(flow("Log", [{ id: "m", type: "manual" }, { id: "l", type: "log" }], ["m->l"]));
    const runId = await api.engine.runs.startManual(saved.id, { n: 1 });
    await finished(api.engine, runId);
    const types = api.events.filter((e) => e.runId === runId).map((e) => e.type);
    expect(types).toEqual(["run.queued", "run.started", "step.finished", "run.finished"]);
  });

  it("routes a webhook saved through one API process on every other one, and stops when it is deactivated", async () => {
    const first = await process({ worker: false });
    const second = await process({ worker: false });
    const routed = () => second.engine.router.match("POST", "saved-elsewhere").kind === "found";
    const until = async (wanted: boolean) => {
      const deadline = Date.now() + 5_000;
      while (routed() !== wanted) {
        if (Date.now() > deadline) throw new Error(`the second API process did not follow the save (routed=${routed()})`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const input = flow("Hook", [{ id: "w", type: "webhook", config: { path: "saved-elsewhere" } }, { id: "l", type: "log" }], ["w->l"]);
    const saved = await first.engine.flows.create(input);
    await until(true);
    await first.engine.flows.update(saved.id, { ...input, active: false }, saved.version);
    await until(false);
  });

  it("fires a schedule once per tick although two API processes both arm it", async () => {
    const first = await process({ worker: false });
    const second = await process({ worker: false });
    await process({ worker: true, pollMs: 200 });
    const input = flow("Every second", [{ id: "s", type: "schedule", config: { cron: "* * * * * *" } }, { id: "l", type: "log" }], ["s->l"]);
    const saved = await first.engine.flows.create(input);
    const deadline = Date.now() + 10_000;
    while ((await second.store.listRuns({ flowId: saved.id, limit: 100 })).runs.length < 3) {
      if (Date.now() > deadline) throw new Error("the schedule did not fire three times within 10 s");
      await new Promise((r) => setTimeout(r, 100));
    }
    await first.engine.flows.update(saved.id, { ...input, active: false }, saved.version);
    await new Promise((r) => setTimeout(r, 300)); // the second process follows the deactivation
    const { runs } = await second.store.listRuns({ flowId: saved.id, limit: 100 });
    const ticks = await Promise.all(runs.map(async (r) => ((await second.store.getRunMessage(r.id)) as { scheduledFor: string }).scheduledFor));
    expect(new Set(ticks).size).toBe(ticks.length);
    expect(ticks.length).toBeGreaterThanOrEqual(3);
  });

  it("wakes an idle worker on enqueue through NOTIFY instead of waiting for its next poll", async () => {
    const api = await process({ worker: false });
    await process({ worker: true, pollMs: 60_000 });
    const saved = await api.engine.flows.create(flow("Log", [{ id: "m", type: "manual" }, { id: "l", type: "log" }], ["m->l"]));
    const started = Date.now();
    const runId = await api.engine.runs.startManual(saved.id, {});
    await finished(api.engine, runId, 5_000);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("a worker whose LISTEN connection is cut reconnects and still finds the work queued meanwhile", async () => {
    const api = await process({ worker: false });
    await process({ worker: true, pollMs: 60_000 });
    const saved = await api.engine.flows.create(flow("Log", [{ id: "m", type: "manual" }, { id: "l", type: "log" }], ["m->l"]));
    const admin = new pg.Client({ connectionString: PG_TEST_URL });
    await admin.connect();
    try {
      const cut = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1", [`LISTEN "runnel:wake:${schema}"`]);
      expect(cut.rowCount).toBe(1);
    } finally {
      await admin.end();
    }
    const runId = await api.engine.runs.startManual(saved.id, {});
    // Its NOTIFY may be lost while the worker reconnects; the reconnect itself makes it look for work.
    await finished(api.engine, runId, 5_000);
  });

  it("hands in-flight runs back on graceful shutdown, and another worker finishes them without repeating steps", async () => {
    const gate = gateCatalog();
    const api = await process({ worker: false, catalog: gate.catalog });
    const first = await process({ worker: true, catalog: gate.catalog });
    const saved = await api.engine.flows.create(
      flow("Gated", [{ id: "m", type: "manual" }, { id: "g", type: "gate" }, { id: "l", type: "log" }], ["m->g", "g->l"]),
    );
    const runId = await api.engine.runs.startManual(saved.id, {});
    await gate.reached;
    const stopping = first.engine.stop(10_000);
    const second = await process({ worker: true, catalog: gate.catalog, pollMs: 60_000 });
    gate.open();
    await stopping;
    // The hand-back NOTIFY wakes the second worker long before its 60 s poll or any lease expiry.
    await finished(api.engine, runId, 5_000);
    const run = await second.store.getRun(runId);
    expect(run?.status).toBe("succeeded");
    expect(run?.steps.map((s) => s.nodeId)).toEqual(["m", "g", "l"]);
    expect(gate.executions).toEqual([runId]);
  });
});
