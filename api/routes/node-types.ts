import { Hono } from "hono";
import { describeNodeType } from "../../engine/index.ts";
import type { AppDeps } from "../app.ts";

export function nodeTypeRoutes(deps: AppDeps) {
  // The catalog is fixed for the life of the process: describe it once.
  const body = { nodeTypes: deps.engine.catalog.all().map(describeNodeType) };
  return new Hono().get("/", (c) => c.json(body));
}
