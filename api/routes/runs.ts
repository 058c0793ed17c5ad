import { Hono } from "hono";
import { z } from "zod";
import { RUN_STATUSES } from "../../engine/model/index.ts";
import { decodeRunCursor } from "../../engine/store/run-history.ts";
import { readJsonBody } from "../body.ts";
import { ApiError } from "../errors.ts";
import type { AppDeps } from "../app.ts";
import { parseOr400 } from "./validation.ts";

const time = z
  .string()
  .transform((text, ctx) => {
    const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: "custom", message: "expected an ISO date or milliseconds since the epoch" });
      return z.NEVER;
    }
    return ms;
  })
  .optional();

const listQuery = z.object({
  flowId: z.string().min(1).max(200).optional(),
  status: z.enum(RUN_STATUSES).optional(),
  trigger: z.string().min(1).max(100).optional(),
  q: z.string().max(500).optional(),
  since: time,
  until: time,
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z
    .string()
    .max(300)
    .refine((text) => decodeRunCursor(text) !== undefined, "not a cursor this server handed out; start from the first page")
    .optional(),
});

const countsQuery = z.object({ flowId: z.string().min(1).max(200).optional() });

const retryBody = z
  .object({
    fromNode: z.string().min(1).max(200).optional(),
    version: z.enum(["current", "original"]).optional(),
  })
  .strict()
  .optional();

/** A filter left empty in a form (`?status=&flowId=`) means no filter. */
function filledQuery(query: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(query).filter(([, value]) => value !== ""));
}

export function runRoutes(deps: AppDeps) {
  const { engine } = deps;
  return new Hono()
    .get("/", async (c) => {
      const q = parseOr400(listQuery, filledQuery(c.req.query()), "query");
      const page = await engine.store.listRuns({
        flowId: q.flowId,
        status: q.status,
        triggerType: q.trigger,
        text: q.q,
        since: q.since,
        until: q.until,
        limit: q.limit,
        cursor: q.cursor,
      });
      return c.json(page);
    })
    // "counts" is answered here rather than as a route of its own: a static segment beside a
    // parameter is the one thing Hono's RegExpRouter does not take, and it would fall back to
    // the TrieRouter for the whole app, webhooks included (1.6 KB more garbage a request).
    .get("/:id", async (c) => {
      if (c.req.param("id") === "counts") {
        const { flowId } = parseOr400(countsQuery, filledQuery(c.req.query()), "query");
        return c.json({ counts: await engine.store.countRuns(flowId) });
      }
      const run = await engine.store.getRun(c.req.param("id"));
      if (!run) throw new ApiError(404, "NOT_FOUND", `no run with id ${c.req.param("id")}`);
      return c.json(run);
    })
    .post("/:id/retry", async (c) => {
      const options = parseOr400(retryBody, await readJsonBody(c, deps.maxBodyBytes), "retry request") ?? {};
      return c.json({ runId: await engine.runs.retry(c.req.param("id"), options) }, 202);
    })
    .post("/:id/cancel", async (c) => c.json(await engine.runs.cancel(c.req.param("id"))));
}
