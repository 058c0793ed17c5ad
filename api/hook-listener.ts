import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { getPath, getQueryParams } from "hono/utils/url";
import { tooLarge } from "./body.ts";
import { errorAnswer } from "./errors.ts";
import { headersFromRaw } from "./request-headers.ts";
import { queryOf, type HookAnswer, type WebhookIngress } from "./webhook-ingress.ts";

// The URLs @hono/node-server passes to Hono unchanged (its buildUrl); it rewrites any other with
// new URL(), so those go to Hono, which answers them through the same ingress.
const PLAIN_HOST = /^[a-z0-9._-]+(?::(?:[1-5]\d{3,4}|[6-9]\d{3}))?$/;
const PLAIN_HOOK_TARGET = /^\/hooks\/[!#$&-;=?-[\]_a-z~]*$/;
const DOT_SEGMENT = /\/\.\.?(?:[/?#]|$)/;

/**
 * Webhook POSTs answered straight from Node's HTTP server: Hono's Request and Response adapters
 * cost a pipeline request about 37 µs of 380. Everything else — other methods and paths, a URL
 * or Host that needs normalising, requests during shutdown — goes to `fallback` (the Hono app).
 */
export function withWebhookFastPath(
  ingress: WebhookIngress,
  accepting: () => boolean,
  fallback: RequestListener,
): RequestListener {
  return (req, res) => {
    const url = req.method === "POST" && accepting() ? plainHookUrl(req) : undefined;
    if (url === undefined) return fallback(req, res);
    void answerHook(ingress, req, res, url);
  };
}

/** The request's URL as Hono would see it, when node-server would pass it on unchanged. */
function plainHookUrl(req: IncomingMessage): string | undefined {
  const host = req.headers.host;
  const target = req.url;
  if (!host || !target || !PLAIN_HOST.test(host) || !PLAIN_HOOK_TARGET.test(target) || DOT_SEGMENT.test(target)) return undefined;
  return `http://${host}${target}`;
}

async function answerHook(ingress: WebhookIngress, req: IncomingMessage, res: ServerResponse, url: string): Promise<void> {
  let unread = false;
  let answer: HookAnswer;
  try {
    answer = await ingress({
      method: "POST",
      path: getPath({ url } as Request).replace(/^\/hooks\/?/, ""),
      headers: headersFromRaw(req.rawHeaders),
      query: queryOf(getQueryParams(url) as Record<string, string[]>),
      body: (limit) => {
        unread = true;
        return readBody(req, limit).then((bytes) => {
          unread = false;
          return bytes;
        });
      },
    });
  } catch (err) {
    if (req.socket.destroyed) return; // the client went away; nobody to answer
    const { status, headers, body } = errorAnswer(err as Error);
    answer = { status, headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(body) };
  }
  if (req.socket.destroyed) return;
  // A body left unread (too large) is not drained: the connection closes after the answer.
  if (unread || !req.complete) answer.headers.connection = "close";
  if (answer.body !== null) answer.headers["content-length"] = String(Buffer.byteLength(answer.body));
  res.writeHead(answer.status, answer.headers);
  res.end(answer.body ?? undefined);
}

/** The body, refusing more than `limit` bytes with 413 (by Content-Length, or as it arrives). */
function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off("data", onData).off("end", onEnd).pause();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    req.on("data", onData).on("end", onEnd).on("error", reject);
    req.on("close", () => req.complete || reject(new Error("the client closed the request before its body ended")));
  });
}
