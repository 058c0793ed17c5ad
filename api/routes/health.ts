import { Hono } from "hono";
import type { AppDeps } from "../app.ts";

export function healthRoutes(deps: AppDeps) {
  return new Hono().get("/", (c) => c.json({ ok: true, version: deps.version, store: deps.engine.store.kind }));
}
