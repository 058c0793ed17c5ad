import { Hono } from "hono";
import { readRawBody } from "../body.ts";
import { requestHeaders } from "../request-headers.ts";
import { queryOf, type HookAnswer, type WebhookIngress } from "../webhook-ingress.ts";

/**
 * Webhooks through Hono: what `app.request()` and the requests the Node fast path passes on
 * (hook-listener.ts) reach. Both answer through webhookIngress.
 */
export function hookRoutes(ingress: WebhookIngress) {
  return new Hono().all("/*", async (c) =>
    answerResponse(
      await ingress({
        method: c.req.method.toUpperCase(),
        path: c.req.path.replace(/^\/hooks\/?/, ""),
        headers: requestHeaders(c),
        query: queryOf(c.req.queries()),
        body: (limit) => readRawBody(c, limit),
      }),
    ),
  );
}

function answerResponse(answer: HookAnswer): Response {
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
}
