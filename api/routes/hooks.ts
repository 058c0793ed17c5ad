import { validateHeaderName, validateHeaderValue } from "node:http";
import { Hono, type Context } from "hono";
import type { Json } from "../../engine/model/index.ts";
import { newId } from "../../engine/ids.ts";
import type { WebhookRoute } from "../../engine/runtime/webhook-router.ts";
import { decodeText, isJsonType, parseJsonText, readRawBody } from "../body.ts";
import { ApiError } from "../errors.ts";
import { requestHeaders } from "../request-headers.ts";
import type { AppDeps } from "../app.ts";
import { authenticateWebhook, deliveryIdHeaders, deliveryWindowMs, loggedHeaders, WebhookRateLimiter } from "../webhook-guard.ts";

/** Webhook ingress: validate, record, enqueue, answer. It never runs a flow inline. */
export function hookRoutes(deps: AppDeps) {
  const { engine } = deps;
  const limiter = new WebhookRateLimiter(engine.clock.now);

  return new Hono().all("/*", async (c) => {
    const path = c.req.path.replace(/^\/hooks\/?/, "");
    const method = c.req.method.toUpperCase();
    const match = engine.router.match(method === "HEAD" ? "GET" : method, path);
    if (match.kind === "none") throw new ApiError(404, "NOT_FOUND", `no active webhook listens on /hooks/${path}`);
    if (match.kind === "wrong-method") {
      throw new ApiError(405, "METHOD_NOT_ALLOWED", `/hooks/${path} accepts ${match.allowed.join(", ")}`, undefined, {
        Allow: match.allowed.join(", "),
      });
    }
    const { route, params } = match;
    limiter.take(route);
    const raw = await readRawBody(c, deps.maxBodyBytes);
    const received = requestHeaders(c);
    await authenticateWebhook(engine, route, received, raw);
    const message = {
      body: parseBody(raw, c.req.header("content-type")),
      headers: loggedHeaders(route, received),
      query: queryOf(c),
      params,
      method,
      path: `/${path}`,
    } as Json;
    const flow = route.flow;
    const idempotencyKey = deliveryId(c, route);
    const idempotency = idempotencyKey
      ? { scope: `hook:${route.flowId}:${route.nodeId}`, key: idempotencyKey, ttlMs: deliveryWindowMs(route) }
      : undefined;

    if (route.config.respond !== "respond") {
      const { runId, replayed } = await engine.runs.start({ flow, triggerNodeId: route.nodeId, message, idempotency });
      if (replayed) {
        c.header("Idempotent-Replayed", "true");
        return c.json({ runId }, 200);
      }
      return c.json({ runId }, 202);
    }

    const runId = newId("run", engine.clock.now());
    const waiter = engine.replies.expect(runId, route.config.timeoutMs);
    const started = await engine.runs
      .start({ flow, triggerNodeId: route.nodeId, message, idempotency, runId })
      .catch((err: unknown) => {
        waiter.cancel();
        throw err;
      });
    if (started.replayed) {
      waiter.cancel();
      c.header("Idempotent-Replayed", "true");
      return c.json({ runId: started.runId }, 200);
    }
    const outcome = await waiter.outcome;
    if (!outcome) {
      return c.json({ error: { code: "RESPOND_TIMEOUT", message: `no respond node answered within ${route.config.timeoutMs} ms; the run goes on`, runId } }, 504);
    }
    if (outcome.kind === "finished") {
      if (outcome.status === "succeeded") return c.json({ runId, status: "succeeded" }, 200);
      return c.json({ error: { code: "RUN_FAILED", message: outcome.error?.message ?? "the run failed", runId } }, 500);
    }
    const { status, headers, body } = outcome.reply;
    return replyResponse(status, headers, body);
  });
}

function parseBody(raw: Uint8Array, contentType: string | undefined): Json {
  if (raw.byteLength === 0) return null;
  const text = decodeText(raw);
  if (isJsonType(contentType)) return parseJsonText(text) as Json;
  const type = contentType?.split(";")[0]?.trim().toLowerCase();
  if (type === "application/x-www-form-urlencoded") {
    return Object.fromEntries(new URLSearchParams(text)) as Json;
  }
  return text;
}

function queryOf(c: Context): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [key, values] of Object.entries(c.req.queries())) query[key] = values.length === 1 ? values[0]! : values;
  return query;
}

function deliveryId(c: Context, route: WebhookRoute): string | undefined {
  for (const name of deliveryIdHeaders(route)) {
    const value = c.req.header(name);
    if (value && value.length <= 500) return value;
  }
  return undefined;
}

/**
 * The respond node's reply. Headers go as a plain object (lower-case names, a later duplicate
 * wins, as with Headers.set): @hono/node-server then writes the response directly, where a
 * Headers instance made it copy and sort them first.
 */
function replyResponse(status: number, headers: Record<string, string>, body: unknown): Response {
  const out: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(headers)) {
    const trimmed = String(value).replace(/^[\t ]+|[\t ]+$/g, "");
    try {
      validateHeaderName(name);
      validateHeaderValue(name, trimmed);
    } catch {
      continue; // a header the flow built that HTTP cannot carry is dropped rather than failing the reply
    }
    out[name.toLowerCase()] = trimmed;
  }
  const noBody = status === 204 || status === 304 || (status >= 100 && status < 200);
  if (noBody) return new Response(null, { status, headers: out });
  if (typeof body === "string") {
    out["content-type"] ??= "text/plain; charset=utf-8";
    return new Response(body, { status, headers: out });
  }
  out["content-type"] ??= "application/json";
  return new Response(JSON.stringify(body ?? null), { status, headers: out });
}
