import { createServer, type Server } from "node:http";

export interface SinkCall {
  key: string;
  id: string;
}

/**
 * The receiver of the flows' side effects: an HTTP server on 127.0.0.1 that records every
 * call with its Idempotency-Key and the event id in its JSON body, and answers 200 at once.
 */
export class Sink {
  readonly calls: SinkCall[] = [];
  private server?: Server;
  url = "";

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        let id = "";
        try {
          id = String((JSON.parse(Buffer.concat(chunks).toString("utf8")) as { id?: unknown }).id ?? "");
        } catch {
          // recorded with an empty id; the invariants will flag it
        }
        this.calls.push({ key: String(req.headers["idempotency-key"] ?? ""), id });
        res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    return this;
  }

  /** Ids the sink saw at least once. */
  ids(): Set<string> {
    return new Set(this.calls.map((c) => c.id));
  }

  /** Calls beyond the first, per Idempotency-Key, summed: repeated side effects. */
  extraAttempts(): number {
    return this.calls.length - new Set(this.calls.map((c) => c.key)).size;
  }

  /** Distinct Idempotency-Keys per event id (more than one = two runs both passed dedupe). */
  keysPerId(): Map<string, Set<string>> {
    const map = new Map<string, Set<string>>();
    for (const call of this.calls) {
      const keys = map.get(call.id) ?? new Set<string>();
      keys.add(call.key);
      map.set(call.id, keys);
    }
    return map;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
