import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";

export interface SeenRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Answers one request; `n` counts requests to the same path (1-based). */
export type Handler = (req: SeenRequest, res: ServerResponse, n: number) => void;

/**
 * A real HTTP server on 127.0.0.1 that outbound nodes talk to. Routes are scripted per path;
 * every request is recorded. close() also drops held (slow) and keep-alive connections.
 */
export async function startHttpTarget(routes: Record<string, Handler>) {
  const seen: SeenRequest[] = [];
  const counts = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = (req.url ?? "/").split("?")[0]!;
      const request: SeenRequest = { method: req.method ?? "GET", path: req.url ?? "/", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      seen.push(request);
      const n = (counts.get(path) ?? 0) + 1;
      counts.set(path, n);
      const handler = routes[path];
      if (!handler) return json(res, 404, { error: "no route" });
      handler(request, res, n);
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    to: (path: string) => seen.filter((r) => r.path.split("?")[0] === path),
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

/** Drops the connection without an answer, as a crashing peer or a proxy reset would. */
export function reset(res: ServerResponse): void {
  res.socket?.resetAndDestroy();
}

/** Never answers (until the server closes): a response slower than any timeout. */
export function hang(_res: ServerResponse): void {}
