import { createApp } from "../../api/app.ts";
import type { Catalog } from "../../engine/nodes/index.ts";
import { engineHarness } from "./engine-harness.ts";

/** The real Hono app over an engine on a temp SQLite file, driven with app.request(). */
export async function apiHarness(options: { maxBodyBytes?: number; catalog?: Catalog; apiToken?: string } = {}) {
  const harness = await engineHarness({ catalog: options.catalog });
  const app = createApp({ engine: harness.engine, version: "test", maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024, apiToken: options.apiToken });

  async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === "string" ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)["content-type"] ??= "application/json";
    }
    const res = await app.request(path, init);
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json: json as any };
  }

  return { ...harness, app, call };
}
