import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { startRealServer, type RealServer } from "../helpers/real-server.ts";
import { tempDir } from "../helpers/temp-store.ts";
import { seedFlow } from "./support/crash-loop.ts";
import { waitForDrain } from "./support/invariants.ts";

/** A receiver that holds every call for `delayMs` before answering, recording Idempotency-Keys. */
async function slowSink(delayMs: number) {
  const keys: string[] = [];
  let arrived: () => void = () => undefined;
  const firstCall = new Promise<void>((resolve) => (arrived = resolve));
  const server: Server = createServer((req, res) => {
    keys.push(String(req.headers["idempotency-key"]));
    arrived();
    req.resume();
    setTimeout(() => res.writeHead(200, { "content-type": "application/json" }).end("{}"), delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  return {
    url,
    keys,
    firstCall,
    stop: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

const slowFlow = (sinkUrl: string) => ({
  schemaVersion: 1,
  name: "slow effect",
  active: true,
  nodes: [
    { id: "w", type: "webhook", position: { x: 0, y: 0 }, config: { path: "slow" } },
    { id: "h", type: "http", position: { x: 220, y: 0 }, config: { method: "POST", url: `${sinkUrl}/slow`, body: "body" } },
  ],
  edges: [{ id: "e1", source: "w", sourcePort: "out", target: "h", targetPort: "in" }],
});

function runRow(dataDir: string, runId: string) {
  const db = new Database(path.join(dataDir, "runnel.db"), { readonly: true });
  try {
    return db.prepare("SELECT status, lease_owner FROM runs WHERE id = ?").get(runId) as { status: string; lease_owner: string | null };
  } finally {
    db.close();
  }
}

const servers = new Set<RealServer>();

/** A server whose one run is inside a slow http step (the sink holds the call for `delayMs`). */
async function stepInFlight(delayMs: number, env: Record<string, string>) {
  const sink = await slowSink(delayMs);
  const data = tempDir("runnel-shutdown-");
  await seedFlow(data.dir, slowFlow(sink.url));
  const server = await startRealServer({ dataDir: data.dir, env: { RUNNEL_HTTP_ALLOW: "127.0.0.1", ...env } });
  servers.add(server);
  const accepted = await fetch(`${server.url}/hooks/slow`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"n":1}' });
  const { runId } = (await accepted.json()) as { runId: string };
  await sink.firstCall;
  return { sink, data, server, runId };
}
afterAll(async () => {
  for (const server of servers) await server.kill();
});

describe("graceful shutdown on SIGTERM", () => {
  it("answers new requests 503 + Retry-After, lets the in-flight step finish, and exits 0", { timeout: 60_000 }, async () => {
    const { sink, data, server, runId } = await stepInFlight(1_500, { RUNNEL_SHUTDOWN_TIMEOUT: "10000" });
    try {
      const termAt = Date.now();
      server.child.kill("SIGTERM");
      await new Promise((resolve) => setTimeout(resolve, 300));
      const refused = await fetch(`${server.url}/hooks/slow`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"n":2}' });
      expect(refused.status).toBe(503);
      expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("SHUTTING_DOWN");
      expect((await server.exit).code).toBe(0);
      const tookMs = Date.now() - termAt;
      console.log(`SIGTERM with a step in flight: exited 0 after ${tookMs} ms`);
      expect(tookMs).toBeGreaterThan(1_000); // it waited for the step
      expect(runRow(data.dir, runId)).toEqual({ status: "succeeded", lease_owner: null });
      expect(sink.keys).toEqual([`${runId}:h:1`]);
    } finally {
      await sink.stop();
      data.remove();
    }
  });

  it("after RUNNEL_SHUTDOWN_TIMEOUT it exits 0 anyway, releasing the lease so a restart resumes at once", { timeout: 60_000 }, async () => {
    // A long lease: resuming quickly after the restart proves the lease was released, not expired.
    const env = { RUNNEL_HTTP_ALLOW: "127.0.0.1", RUNNEL_SHUTDOWN_TIMEOUT: "500", RUNNEL_LEASE_MS: "60000" };
    const { sink, data, server, runId } = await stepInFlight(2_000, env);
    try {
      const termAt = Date.now();
      expect(await server.stop()).toBe(0);
      expect(Date.now() - termAt).toBeLessThan(3_000);
      expect(runRow(data.dir, runId)).toEqual({ status: "running", lease_owner: null });

      const again = await startRealServer({ dataDir: data.dir, env });
      servers.add(again);
      await waitForDrain(data.dir, 15_000);
      expect(runRow(data.dir, runId).status).toBe("succeeded");
      // The interrupted call was repeated with the same key, as DESIGN §5 promises.
      expect(sink.keys).toEqual([`${runId}:h:1`, `${runId}:h:1`]);
      expect(await again.stop()).toBe(0);
    } finally {
      await sink.stop();
      data.remove();
    }
  });

  it("under concurrent load, with the WAL syncs on their own thread, exits 0 and keeps every acknowledged run", { timeout: 60_000 }, async () => {
    const data = tempDir("runnel-shutdown-load-");
    const hook = { id: "w", type: "webhook", position: { x: 0, y: 0 }, config: { path: "busy" } };
    await seedFlow(data.dir, { schemaVersion: 1, name: "busy", active: true, nodes: [hook], edges: [] });
    const server = await startRealServer({ dataDir: data.dir });
    servers.add(server);
    try {
      const threads = () => Number(/Threads:\s+(\d+)/.exec(readFileSync(`/proc/${server.child.pid}/status`, "utf8"))![1]);
      const threadsBefore = threads();
      const acknowledged: string[] = [];
      let stopping = false;
      let sent = 0;
      const client = async () => {
        while (!stopping) {
          try {
            const res = await fetch(`${server.url}/hooks/busy`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ n: sent++ }) });
            if (res.status === 202) acknowledged.push(((await res.json()) as { runId: string }).runId);
            else {
              expect(res.status).toBe(503);
              await res.body?.cancel();
            }
          } catch {
            return; // the server has closed its connections
          }
        }
      };
      const clients = Array.from({ length: 32 }, client);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      // Commits queued behind syncs started the sync thread: one thread more than before the load.
      expect(threads()).toBeGreaterThan(threadsBefore);
      const during = acknowledged.length;
      server.child.kill("SIGTERM");
      expect((await server.exit).code).toBe(0);
      stopping = true;
      await Promise.all(clients);
      console.log(`SIGTERM under load: ${acknowledged.length} runs acknowledged (${during} before the signal), exited 0`);
      expect(during).toBeGreaterThan(100);
      const db = new Database(path.join(data.dir, "runnel.db"), { readonly: true });
      try {
        const stored = new Set(db.prepare("SELECT id FROM runs").pluck().all() as string[]);
        expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
      } finally {
        db.close();
      }
    } finally {
      data.remove();
    }
  });
});
