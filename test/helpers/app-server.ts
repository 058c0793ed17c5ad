import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createApp } from "../../api/app.ts";
import type { EventStreamOptions } from "../../api/routes/events.ts";
import type { Catalog } from "../../engine/index.ts";
import { engineHarness } from "./engine-harness.ts";

/**
 * The real app on a real HTTP server (127.0.0.1, free port) in this process, over an engine on a
 * temp SQLite file: for tests that need the wire (SSE) or to reach into the engine meanwhile.
 */
export async function startAppServer(options: { catalog?: Catalog; eventStream?: EventStreamOptions } = {}) {
  const harness = await engineHarness({ catalog: options.catalog });
  const app = createApp({ engine: harness.engine, version: "test", maxBodyBytes: 1024 * 1024, eventStream: options.eventStream });
  const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => (server.listening ? resolve() : server.once("listening", () => resolve())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(url + path, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as T };
  }

  return {
    ...harness,
    url,
    api,
    async close() {
      // Open SSE streams would keep close() waiting forever.
      if ("closeAllConnections" in server) server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await harness.close();
    },
  };
}

export type AppServer = Awaited<ReturnType<typeof startAppServer>>;
