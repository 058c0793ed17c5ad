import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Duplex } from "node:stream";
import { createServer, type RequestListener, type Server } from "node:http";
import { getRequestListener } from "@hono/node-server";
import { createEngine, PostgresStore, SqliteStore, type Engine, type Store } from "../engine/index.ts";
import { crashHookFromSpec, type CrashHook } from "../engine/runtime/crash-points.ts";
import { MAX_HTTP_RESPONSE_BYTES } from "../engine/nodes/http-client.ts";
import { createGuardedFetch } from "../engine/security/engine-fetch.ts";
import { packageRoot } from "../engine/package-root.ts";
import { createApp, type AppDeps } from "./app.ts";
import { withWebhookFastPath } from "./hook-listener.ts";
import { webhookIngress } from "./webhook-ingress.ts";
import type { Config } from "./config.ts";
import { createLogger } from "./logger.ts";
import { loadSecretKey } from "./secret-key.ts";

const repoRoot = packageRoot;
export const editorDistDir = path.join(repoRoot, "editor", "dist");

export function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { version: string }).version;
}

export type Role = "start" | "api" | "worker";

export interface RunningServer {
  url: string;
  engine: Engine;
  close(): Promise<void>;
}

/** DATABASE_URL selects PostgreSQL (scale-out); otherwise SQLite under the data dir. */
export async function openStore(config: Config, crash?: CrashHook): Promise<Store> {
  if (config.databaseUrl) {
    return PostgresStore.open({ connectionString: config.databaseUrl, schema: config.pgSchema, poolSize: config.pgPoolSize });
  }
  mkdirSync(config.dataDir, { recursive: true });
  return new SqliteStore({
    filename: path.join(config.dataDir, "runnel.db"),
    synchronous: config.sqliteSync,
    groupCommit: { enabled: config.sqliteGroupCommit, windowMs: config.sqliteCommitWindowMs },
    crash,
  });
}

/** Config → store → engine: one composition for every role, so a worker executes nodes exactly as `start` does. */
export async function openEngine(config: Config, role: Role) {
  const logger = createLogger(config.logLevel);
  const crash = crashHookFromSpec(config.crashAt);
  const store = await openStore(config, crash);
  const engine = createEngine({
    store,
    logger,
    // Outbound HTTP (http node, poll) refuses non-public targets unless RUNNEL_HTTP_ALLOW admits them.
    fetch: createGuardedFetch({ allow: config.httpAllow, maxResponseBytes: MAX_HTTP_RESPONSE_BYTES }),
    secretKey: loadSecretKey(config.secretKey, config.dataDir, logger),
    worker:
      role === "api"
        ? false
        : { concurrency: config.workerConcurrency, leaseMs: config.leaseMs, pollMs: Math.min(1_000, Math.ceil(config.leaseMs / 4)) },
    // Schedules and polls run where flows are saved, so a deactivated flow stops firing at once.
    triggers: role !== "worker",
    limits: { maxSteps: config.maxStepsPerRun, maxStepBytes: config.maxStepBytes, maxRunBytes: config.maxRunBytes },
    // One process prunes: the worker side of a split deployment, or the single process.
    retention:
      role === "api"
        ? false
        : { days: config.retentionDays, perFlow: config.retentionPerFlow, intervalMs: config.retentionIntervalMs },
    crash,
    receiveFromPeers: role !== "worker",
  });
  return { engine, store, logger };
}

/** Composition root: config → store → engine → app → listen. */
export async function startServer(config: Config, role: Role = "start"): Promise<RunningServer> {
  const { engine, store, logger } = await openEngine(config, role);
  await engine.start();
  let shuttingDown = false;
  const deps: AppDeps = {
    engine,
    version: packageVersion(),
    maxBodyBytes: config.maxBodyBytes,
    apiToken: config.apiToken,
    editorDist: editorDistDir,
    isShuttingDown: () => shuttingDown,
  };
  // One ingress (one rate limiter) for the fast path and the Hono route alike.
  const webhooks = webhookIngress(deps);
  const app = createApp({ ...deps, webhooks });
  const server = await listen((hono) => withWebhookFastPath(webhooks, () => !shuttingDown, hono), app.fetch, config.host, config.port);
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
  logger.log("info", `Runnel ${packageVersion()} listening on ${url} (store: ${store.kind}, ${storeWhere(config)})`);

  return {
    url,
    engine,
    async close() {
      shuttingDown = true;
      await engine.stop(config.shutdownTimeoutMs);
      await closeHttp(server);
      await store.close();
    },
  };
}

/** Where the data lives, for the start-up line; never the database password. */
export function storeWhere(config: Config): string {
  if (!config.databaseUrl) return `data: ${config.dataDir}`;
  const url = config.databaseUrl.replace(/\/\/[^/@]*@/, "//");
  return `database: ${url}${config.pgSchema ? `, schema: ${config.pgSchema}` : ""}`;
}

/**
 * Stops listening and ends keep-alive connections; requests still open after a short grace
 * (event streams, respond-mode webhooks whose run was handed back) are cut.
 */
function closeHttp(server: Server, graceMs = 500): Promise<void> {
  return new Promise<void>((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}

function listen(
  wrap: (hono: RequestListener) => RequestListener,
  fetch: (request: Request) => Response | Promise<Response>,
  hostname: string,
  port: number,
): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(wrap(getRequestListener(fetch, { hostname, errorHandler: answerUnroutableRequest })));
    server.once("error", reject);
    server.on("clientError", answerUnparsableRequest);
    server.listen(port, hostname, () => resolve(server));
  });
}

/** Requests whose URL cannot be turned into a Request (`*`, a backslash, a bad Host) get JSON too. */
function answerUnroutableRequest(): Response {
  return Response.json({ error: { code: "BAD_REQUEST", message: "the request URL or Host header is not valid" } }, { status: 400 });
}

/** Requests Node's HTTP parser refuses (bad header bytes, huge headers) still get a JSON error. */
function answerUnparsableRequest(err: Error & { code?: string }, socket: Duplex): void {
  if (!socket.writable) return void socket.destroy();
  const tooLarge = err.code === "HPE_HEADER_OVERFLOW";
  const status = tooLarge ? "431 Request Header Fields Too Large" : "400 Bad Request";
  const body = JSON.stringify({
    error: tooLarge
      ? { code: "HEADERS_TOO_LARGE", message: "request headers are too large" }
      : { code: "BAD_REQUEST", message: "the request could not be parsed as HTTP" },
  });
  socket.end(`HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
