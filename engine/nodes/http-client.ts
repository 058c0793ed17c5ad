import { StepFailure } from "../expr/index.ts";
import type { Json } from "../model/index.ts";

export const HTTP_REQUEST_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"] as const;
export type HttpMethod = (typeof HTTP_REQUEST_METHODS)[number];
export type ResponseFormat = "auto" | "json" | "text";
/** The largest response an HTTP node may accept (its maxResponseBytes setting is capped here). */
export const MAX_HTTP_RESPONSE_BYTES = 100 * 1024 * 1024;

export interface HttpRequest {
  method: HttpMethod;
  url: string;
  headers: Record<string, string>;
  /** Already serialised; sent again on a 307/308 redirect. */
  body?: string;
  maxRedirects: number;
  maxResponseBytes: number;
  responseFormat: ResponseFormat;
  /** Headers that carry credentials: dropped, like Authorization, when a redirect leaves the origin. */
  sensitiveHeaders?: readonly string[];
}

export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  body: Json;
  /** Final URL after redirects. */
  url: string;
  redirects: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const CREDENTIAL_HEADERS = ["authorization", "cookie", "proxy-authorization"];
const BODY_HEADERS = ["content-type", "content-length", "content-encoding"];

/**
 * One HTTP exchange through an injected `fetch`. Redirects are followed here, hop by hop with
 * `redirect: "manual"`, so the limit is ours and a guarded fetch sees every hop it connects to.
 * Network failures become retryable StepFailures; an abort rethrows the signal's reason.
 */
export async function sendHttp(fetchFn: typeof fetch, request: HttpRequest, signal: AbortSignal): Promise<HttpResult> {
  let url = parseUrl(request.url);
  let method: string = request.method;
  let body = request.body;
  const headers = { ...request.headers };
  for (let redirects = 0; ; redirects++) {
    const response = await exchange(fetchFn, url, { method, headers, body, signal, redirect: "manual" });
    const location = response.headers.get("location");
    if (!REDIRECTS.has(response.status) || !location || request.maxRedirects === 0) {
      return {
        status: response.status,
        headers: headerRecord(response.headers),
        body: await readBody(response, request, method, signal),
        url: url.href,
        redirects,
      };
    }
    await response.body?.cancel().catch(() => undefined);
    if (redirects >= request.maxRedirects) {
      throw new StepFailure("HTTP_TOO_MANY_REDIRECTS", `${request.method} ${request.url}: more than ${request.maxRedirects} redirects`, {
        permanent: true,
      });
    }
    const next = parseUrl(location, url);
    if (next.origin !== url.origin) {
      for (const name of [...CREDENTIAL_HEADERS, ...(request.sensitiveHeaders ?? [])]) deleteHeader(headers, name);
    }
    // 303 always, and 301/302 after a POST, become a GET without a body (what browsers do).
    if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === "POST")) {
      if (method !== "HEAD") method = "GET";
      body = undefined;
      for (const name of BODY_HEADERS) deleteHeader(headers, name);
    }
    url = next;
  }
}

async function exchange(fetchFn: typeof fetch, url: URL, init: RequestInit & { signal: AbortSignal }): Promise<Response> {
  try {
    return await fetchFn(url.href, init);
  } catch (err) {
    if (init.signal.aborted) throw init.signal.reason;
    if (err instanceof StepFailure) throw err;
    throw new StepFailure("HTTP_NETWORK_ERROR", `${init.method} ${url.href}: ${describeNetworkError(err)}`);
  }
}

/** A URL the HTTP nodes may call, or a permanent HTTP_BAD_URL failure. */
export function parseUrl(text: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(text, base);
  } catch {
    throw new StepFailure("HTTP_BAD_URL", `not a valid URL: ${JSON.stringify(text)}`, { permanent: true });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new StepFailure("HTTP_BAD_URL", `only http and https URLs are supported, not ${url.protocol}`, { permanent: true });
  }
  return url;
}

function describeNetworkError(err: unknown): string {
  const error = err as { message?: string; cause?: { code?: string; message?: string } };
  const cause = error.cause;
  const detail = cause?.code ?? cause?.message;
  return detail ? `${error.message ?? "request failed"} (${detail})` : (error.message ?? String(err));
}

function headerRecord(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => (out[name] = value));
  return out;
}

/** Removes a header whatever the case of its name. */
export function deleteHeader(headers: Record<string, string>, name: string): void {
  const lower = name.toLowerCase();
  for (const key of Object.keys(headers)) if (key.toLowerCase() === lower) delete headers[key];
}

async function readBody(response: Response, request: HttpRequest, method: string, signal: AbortSignal): Promise<Json> {
  const text = await readLimitedText(response, request.maxResponseBytes, signal);
  if (method === "HEAD" || text === "") return request.responseFormat === "text" ? "" : null;
  const isJson = /[/+]json\b/i.test(response.headers.get("content-type") ?? "");
  if (request.responseFormat === "text" || (request.responseFormat === "auto" && !isJson)) return text;
  try {
    return JSON.parse(text) as Json;
  } catch {
    if (request.responseFormat === "auto") return text;
    throw new StepFailure("HTTP_BAD_JSON", `${method} ${request.url}: the response is not JSON`, { permanent: true });
  }
}

async function readLimitedText(response: Response, maxBytes: number, signal: AbortSignal): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new StepFailure("HTTP_RESPONSE_TOO_LARGE", `the response is larger than ${maxBytes} bytes`, { permanent: true });
      }
      chunks.push(value);
    }
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    if (err instanceof StepFailure) throw err;
    throw new StepFailure("HTTP_NETWORK_ERROR", `reading the response failed: ${describeNetworkError(err)}`);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * What a status means for retries: 2xx/3xx is fine; 408, 429 and 5xx are worth retrying
 * (429/503 after the server's Retry-After); any other 4xx is permanent.
 */
export function failureForStatus(result: HttpResult, request: { method: string; url: string }, now: number): StepFailure | undefined {
  const { status } = result;
  if (status < 400) return undefined;
  const excerpt = typeof result.body === "string" ? result.body.slice(0, 200) : JSON.stringify(result.body)?.slice(0, 200);
  const message = `${request.method} ${request.url} answered ${status}${excerpt ? `: ${excerpt}` : ""}`;
  const retryable = status >= 500 || status === 408 || status === 429;
  const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(result.headers["retry-after"], now) : undefined;
  return new StepFailure(`HTTP_${status}`, message, {
    permanent: !retryable,
    retryAfterMs,
    details: { status },
  });
}

/** `Retry-After` as delay-seconds or an HTTP-date, in ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
