import { connect } from "node:net";

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface RawRequest {
  method: string;
  path: string;
  /** The Host header (default 127.0.0.1). */
  host?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Send the body as these chunks with Transfer-Encoding: chunked. */
  chunks?: Uint8Array[];
}

/**
 * Sends bytes exactly as given over a fresh TCP connection, with no client-side validation, and
 * reads one response (by Content-Length, chunked terminator or close).
 */
export function rawRequest(port: number, request: RawRequest, timeoutMs = 10_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let received = Buffer.alloc(0);
    let done = false;
    const timer = setTimeout(() => finish(new Error(`no answer to ${request.method} ${request.path.slice(0, 80)} within ${timeoutMs} ms`)), timeoutMs);
    const finish = (error?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) return reject(error);
      resolve(parse(received));
    };
    socket.on("data", (d) => {
      received = Buffer.concat([received, d]);
      if (complete(received, request.method)) finish();
    });
    socket.on("error", () => undefined);
    socket.on("close", () => finish());
    socket.on("connect", () => {
      const lines = [`${request.method} ${request.path} HTTP/1.1`, `Host: ${request.host ?? "127.0.0.1"}`];
      for (const [name, value] of Object.entries(request.headers ?? {})) lines.push(`${name}: ${value}`);
      const body = typeof request.body === "string" ? Buffer.from(request.body, "utf8") : request.body ? Buffer.from(request.body) : undefined;
      if (request.chunks) lines.push("Transfer-Encoding: chunked");
      else if (body && !Object.keys(request.headers ?? {}).some((h) => h.toLowerCase() === "content-length")) lines.push(`Content-Length: ${body.length}`);
      const parts: Buffer[] = [Buffer.from(lines.join("\r\n") + "\r\n\r\n", "latin1")];
      if (request.chunks) {
        for (const chunk of request.chunks) parts.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), Buffer.from(chunk), Buffer.from("\r\n"));
        parts.push(Buffer.from("0\r\n\r\n"));
      } else if (body) parts.push(body);
      socket.write(Buffer.concat(parts));
    });
  });
}

function split(raw: Buffer): { head: string; body: Buffer } | undefined {
  const end = raw.indexOf("\r\n\r\n");
  if (end < 0) return undefined;
  return { head: raw.subarray(0, end).toString("latin1"), body: raw.subarray(end + 4) };
}

function headersOf(head: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of head.split("\r\n").slice(1)) {
    const i = line.indexOf(":");
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return headers;
}

function complete(raw: Buffer, method: string): boolean {
  const parts = split(raw);
  if (!parts) return false;
  if (method === "HEAD") return true;
  const headers = headersOf(parts.head);
  if (headers["content-length"] !== undefined) return parts.body.length >= Number(headers["content-length"]);
  if (headers["transfer-encoding"]?.includes("chunked")) return parts.body.includes("0\r\n\r\n");
  return /^HTTP\/1\.1 (1\d\d|204|304)/.test(parts.head);
}

function parse(raw: Buffer): RawResponse {
  const parts = split(raw);
  if (!parts) return { status: 0, headers: {}, body: raw.toString("latin1") };
  return { status: Number(parts.head.split(" ")[1] ?? 0), headers: headersOf(parts.head), body: parts.body.toString("utf8") };
}
