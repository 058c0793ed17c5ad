import { Hono } from "hono";
import type { Engine } from "../engine/index.ts";
import { authMiddleware, LOGIN_PAGE } from "./auth.ts";
import { errorBody, handleError } from "./errors.ts";
import { editorRoutes } from "./editor-static.ts";
import { credentialRoutes, credentialTypeRoutes } from "./routes/credentials.ts";
import { dedupeRoutes } from "./routes/dedupe.ts";
import { eventRoutes, type EventStreamOptions } from "./routes/events.ts";
import { flowRoutes } from "./routes/flows.ts";
import { healthRoutes } from "./routes/health.ts";
import { hookRoutes } from "./routes/hooks.ts";
import { metricsRoutes } from "./routes/metrics.ts";
import { nodeTypeRoutes } from "./routes/node-types.ts";
import { runRoutes } from "./routes/runs.ts";
import { webhookIngress, type WebhookIngress } from "./webhook-ingress.ts";

export interface AppDeps {
  engine: Engine;
  /** RUNNEL_API_TOKEN: when set, the API and the editor require it. */
  apiToken?: string;
  version: string;
  maxBodyBytes: number;
  /** Absolute path of the built editor; omitted in API-only tests. */
  editorDist?: string;
  /** True once shutdown began: new requests get 503 + Retry-After. */
  isShuttingDown?: () => boolean;
  /** The webhook ingress, when the server shares it with its fast path (hook-listener.ts). */
  webhooks?: WebhookIngress;
  /** SSE: how many recent events are kept for resuming clients, ping interval. */
  eventStream?: EventStreamOptions;
}

/** The HTTP surface; no listen() here, so tests drive it with app.request(). */
export function createApp(deps: AppDeps) {
  const app = new Hono();
  app.onError(handleError);
  app.notFound((c) => c.json(errorBody("NOT_FOUND", `no route for ${c.req.method} ${c.req.path}`), 404));
  app.use("*", async (c, next) => {
    if (deps.isShuttingDown?.()) {
      c.header("Retry-After", "5");
      return c.json(errorBody("SHUTTING_DOWN", "server is shutting down; retry shortly"), 503);
    }
    await next();
  });

  app.use("*", authMiddleware(deps.apiToken));
  app.get("/login", (c) =>
    c.html(LOGIN_PAGE.replace("<!--ERROR-->", c.req.query("failed") ? '<p class="err">That token is not right.</p>' : "")),
  );
  app.route("/api/health", healthRoutes(deps));
  app.route("/api/node-types", nodeTypeRoutes(deps));
  app.route("/api/flows", flowRoutes(deps));
  app.route("/api/runs", runRoutes(deps));
  app.route("/api/credentials", credentialRoutes(deps));
  app.route("/api/credential-types", credentialTypeRoutes());
  app.route("/api/events", eventRoutes(deps, deps.eventStream));
  app.route("/api/dedupe", dedupeRoutes(deps));
  app.route("/hooks", hookRoutes(deps.webhooks ?? webhookIngress(deps)));
  app.route("/metrics", metricsRoutes(deps));
  app.all("/api/*", (c) => c.json(errorBody("NOT_FOUND", `no route for ${c.req.method} ${c.req.path}`), 404));
  if (deps.editorDist) app.route("/", editorRoutes(deps.editorDist));
  return app;
}

export type App = ReturnType<typeof createApp>;
