// Outbound HTTP that connects only to addresses resolveTarget has approved.
//
// Why not global fetch: undici resolves the hostname itself at connect time, so a check
// done beforehand could be bypassed by DNS rebinding, and it follows redirects without
// asking. Here each hop is resolved once by resolveTarget, the socket is opened to that
// exact address (a custom `lookup` that only returns it; IP literals skip lookup
// entirely), while Host and TLS SNI still carry the original hostname, and redirects are
// followed by hand with the full check repeated on every hop.
//
// Result: a web-standard Response whose body is fully buffered (bounded by
// maxResponseBytes) and decompressed (gzip, deflate, br). `response.url` is the final URL
// and `response.redirected` tells whether a redirect was followed.
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest, type RequestOptions } from "node:https";
import type { LookupFunction } from "node:net";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import type { Readable } from "node:stream";
import type { AllowList } from "./allow-list.ts";
import { resolveTarget, systemLookup, type LookupFn, type ResolvedTarget } from "./ssrf-target.ts";

export interface GuardedFetchInit {
  method?: string;
  headers?: HeadersInit;
  /** Buffered bodies only, so a 307/308 redirect can resend them. */
  body?: string | Uint8Array | null;
  signal?: AbortSignal | null;
  /** As in fetch: follow (default), manual (return the 3xx), error (throw on a 3xx). */
  redirect?: "follow" | "manual" | "error";
}

export interface GuardedFetchOptions {
  allow?: AllowList;
  lookup?: LookupFn;
  /** Default 5. Exceeding it throws GuardedFetchError TOO_MANY_REDIRECTS. */
  maxRedirects?: number;
  /** Decoded body limit, default 10 MiB. Exceeding it throws RESPONSE_TOO_LARGE. */
  maxResponseBytes?: number;
  /** Extra trusted CA certificates (PEM) for https, e.g. an internal CA. */
  ca?: string | readonly string[];
}

export class GuardedFetchError extends Error {
  override name = "GuardedFetchError";
  constructor(
    readonly code: "TOO_MANY_REDIRECTS" | "REDIRECT_REFUSED" | "RESPONSE_TOO_LARGE" | "BAD_RESPONSE",
    message: string,
  ) {
    super(message);
  }
}

export const DEFAULT_MAX_REDIRECTS = 5;
export const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);
const BODY_HEADERS = ["content-type", "content-length", "content-encoding", "content-language", "content-location"];
const CREDENTIAL_HEADERS = ["authorization", "cookie", "proxy-authorization"];

interface RawResponse {
  status: number;
  statusText: string;
  headers: Headers;
  body: Uint8Array | null;
}

export async function guardedFetch(
  input: string | URL,
  init: GuardedFetchInit = {},
  options: GuardedFetchOptions = {},
): Promise<Response> {
  const signal = init.signal ?? undefined;
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const mode = init.redirect ?? "follow";
  const lookup = options.lookup ?? systemLookup;
  const headers = new Headers(init.headers);
  let method = (init.method ?? "GET").toUpperCase();
  let body = typeof init.body === "string" ? new TextEncoder().encode(init.body) : (init.body ?? undefined);
  let url = new URL(input);

  for (let hop = 0; ; hop++) {
    signal?.throwIfAborted();
    const target = await abortable(resolveTarget(url, options.allow, lookup), signal);
    const follow = mode !== "manual";
    const raw = await requestOnce(target, method, headers, body, signal, options, follow);
    const location = raw.headers.get("location");
    if (!REDIRECT_STATUSES.has(raw.status) || location === null || mode === "manual") {
      return toResponse(raw, url, hop > 0);
    }
    if (mode === "error") throw new GuardedFetchError("REDIRECT_REFUSED", `Redirect ${raw.status} to ${location} refused (redirect: "error")`);
    if (hop >= maxRedirects) throw new GuardedFetchError("TOO_MANY_REDIRECTS", `More than ${maxRedirects} redirects, last to ${location}`);

    const next = new URL(location, url);
    // Method rewriting as in the Fetch standard: 303 → GET; 301/302 turn POST into GET.
    if ((raw.status === 303 && method !== "GET" && method !== "HEAD") || ((raw.status === 301 || raw.status === 302) && method === "POST")) {
      method = "GET";
      body = undefined;
      for (const name of BODY_HEADERS) headers.delete(name);
    }
    // Never carry credentials to another origin.
    if (next.origin !== url.origin) for (const name of CREDENTIAL_HEADERS) headers.delete(name);
    url = next;
  }
}

function requestOnce(
  target: ResolvedTarget,
  method: string,
  headers: Headers,
  body: Uint8Array | undefined,
  signal: AbortSignal | undefined,
  options: GuardedFetchOptions,
  follow: boolean,
): Promise<RawResponse> {
  const { url } = target;
  // Every lookup for this socket answers with the address resolveTarget approved.
  const pinnedLookup: LookupFunction = (_hostname, lookupOptions, callback) => {
    if (lookupOptions.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  const outgoing: Record<string, string> = {};
  headers.forEach((value, name) => (outgoing[name] = value));
  if (body !== undefined) outgoing["content-length"] = String(body.byteLength);
  const requestOptions: RequestOptions = {
    protocol: url.protocol,
    hostname: target.hostname,
    port: target.port,
    path: `${url.pathname}${url.search}`,
    method,
    headers: outgoing,
    lookup: pinnedLookup,
    agent: false, // no pooled socket from an earlier, differently pinned request
    ...(url.username || url.password ? { auth: `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` } : {}),
    ...(options.ca !== undefined ? { ca: typeof options.ca === "string" ? options.ca : [...options.ca] } : {}),
  };
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;

  return new Promise<RawResponse>((resolve, reject) => {
    let settled = false;
    const finish = (error: unknown, value?: RawResponse) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      if (error !== undefined) {
        req.destroy();
        reject(error);
      } else resolve(value!);
    };
    const onAbort = () => finish(signal!.reason);
    const req = (url.protocol === "https:" ? httpsRequest : httpRequest)(requestOptions);
    req.on("error", (error) => finish(error));
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted) onAbort(); // aborted between resolveTarget and here
    req.on("response", (res) => {
      const status = res.statusCode ?? 0;
      const responseHeaders = readHeaders(res);
      const base = { status, statusText: res.statusMessage ?? "", headers: responseHeaders };
      if (status < 200 || status > 599) {
        res.destroy();
        finish(new GuardedFetchError("BAD_RESPONSE", `Unsupported HTTP status ${status} from ${url.host}`));
      } else if ((follow && REDIRECT_STATUSES.has(status) && responseHeaders.has("location")) || NULL_BODY_STATUSES.has(status) || method === "HEAD") {
        res.resume(); // discard; the connection is not reused (agent: false)
        res.on("end", () => finish(undefined, { ...base, body: null }));
        res.on("error", (error) => finish(error));
      } else {
        readBody(res, responseHeaders, maxBytes, url).then(
          (bytes) => finish(undefined, { ...base, body: bytes }),
          (error: unknown) => {
            res.destroy();
            finish(error);
          },
        );
      }
    });
    req.end(body);
  });
}

function readHeaders(res: IncomingMessage): Headers {
  const headers = new Headers();
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
    try {
      headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
    } catch {
      // A header the Fetch API cannot represent is dropped rather than failing the call.
    }
  }
  return headers;
}

async function readBody(res: IncomingMessage, headers: Headers, maxBytes: number, url: URL): Promise<Uint8Array> {
  const encoding = (headers.get("content-encoding") ?? "").trim().toLowerCase();
  let stream: Readable = res;
  if (encoding === "gzip" || encoding === "x-gzip") stream = res.pipe(createGunzip());
  else if (encoding === "deflate") stream = res.pipe(createInflate());
  else if (encoding === "br") stream = res.pipe(createBrotliDecompress());
  if (stream !== res) {
    res.on("error", (error) => stream.destroy(error));
    headers.delete("content-encoding");
    headers.delete("content-length");
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buffer = chunk as Buffer;
    total += buffer.length;
    // Checked on decoded bytes, so a small compressed bomb is caught too.
    if (total > maxBytes) {
      stream.destroy();
      throw new GuardedFetchError("RESPONSE_TOO_LARGE", `Response from ${url.host} exceeds ${maxBytes} bytes`);
    }
    chunks.push(buffer);
  }
  if (res.errored) throw res.errored;
  if (!res.complete) throw new GuardedFetchError("BAD_RESPONSE", `Response from ${url.host} ended before it was complete`);
  return new Uint8Array(Buffer.concat(chunks));
}

function toResponse(raw: RawResponse, url: URL, redirected: boolean): Response {
  const body = NULL_BODY_STATUSES.has(raw.status) ? null : raw.body;
  const response = new Response(body as BodyInit | null, { status: raw.status, statusText: raw.statusText, headers: raw.headers });
  // Response's url/redirected cannot be passed to the constructor; define them on the instance.
  Object.defineProperty(response, "url", { value: url.href, enumerable: true });
  Object.defineProperty(response, "redirected", { value: redirected, enumerable: true });
  return response;
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
