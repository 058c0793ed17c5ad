import { Hono } from "hono";
import { z } from "zod";
import type { DedupeKeyState } from "../../engine/index.ts";
import { ApiError } from "../errors.ts";
import type { AppDeps } from "../app.ts";
import { parseOr400 } from "./validation.ts";
import { isoTimeOrNull } from "../../engine/iso-time.ts";

const scope = z
  .string()
  .min(1)
  .max(300)
  .meta({ description: "node:<flowId>:<nodeId>, flow:<flowId> or ns:<name> — the `scope` in a dedupe step's meta" });
const keyQuery = z.object({ scope, key: z.string().min(1).max(10_000) });
const clearQuery = z.object({ scope, key: z.string().min(1).max(10_000).optional() });

function keyView(state: DedupeKeyState) {
  return {
    scope: state.scope,
    key: state.key,
    runId: state.runId,
    firstSeenAt: isoTimeOrNull(state.firstSeenAt),
    expiresAt: isoTimeOrNull(state.expiresAt),
    releaseOnFailure: state.releaseOnFailure,
  };
}

/** Operator access to dedupe keys: look one up, or forget a key or a scope to re-admit events on purpose. */
export function dedupeRoutes(deps: AppDeps) {
  const { engine } = deps;
  return new Hono()
    .get("/", async (c) => {
      const q = parseOr400(keyQuery, c.req.query(), "query");
      const state = await engine.dedupe.inspect(q.scope, q.key);
      if (!state) throw new ApiError(404, "NOT_FOUND", `no live key ${JSON.stringify(q.key)} in scope ${q.scope}`);
      return c.json(keyView(state));
    })
    .delete("/", async (c) => {
      const q = parseOr400(clearQuery, c.req.query(), "query");
      const removed = await engine.dedupe.clear(q.scope, q.key);
      return c.json(q.key === undefined ? { scope: q.scope, removed } : { scope: q.scope, key: q.key, removed });
    });
}
