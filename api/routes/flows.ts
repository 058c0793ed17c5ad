import { Hono } from "hono";
import { z } from "zod";
import type { Json } from "../../engine/model/index.ts";
import { readJsonBody } from "../body.ts";
import { ApiError } from "../errors.ts";
import type { AppDeps } from "../app.ts";
import { parseOr400 } from "./validation.ts";

const versionField = z.object({ version: z.number().int().positive() });
const runRequest = z.object({ payload: z.unknown().optional() }).optional();

export function flowRoutes(deps: AppDeps) {
  const { engine } = deps;
  const json = (c: Parameters<typeof readJsonBody>[0]) => readJsonBody(c, deps.maxBodyBytes);

  return new Hono()
    .get("/", async (c) => c.json({ flows: await engine.store.listFlows() }))
    .post("/", async (c) => {
      const body = await json(c);
      if (body === undefined) throw new ApiError(400, "INVALID_REQUEST", "send the flow document as the JSON body");
      return c.json(await engine.flows.create(body), 201);
    })
    .get("/:id", async (c) => c.json(await engine.flows.get(c.req.param("id"))))
    .put("/:id", async (c) => {
      const body = await json(c);
      const { version } = parseOr400(versionField, body, "flow (PUT must carry the version it edited)");
      return c.json(await engine.flows.update(c.req.param("id"), body, version));
    })
    .delete("/:id", async (c) => {
      await engine.flows.remove(c.req.param("id"));
      return c.body(null, 204);
    })
    .get("/:id/versions", async (c) => {
      const versions = await engine.store.listFlowVersions(c.req.param("id"));
      if (!versions) throw new ApiError(404, "NOT_FOUND", `no flow with id ${c.req.param("id")}`);
      return c.json({ versions });
    })
    .get("/:id/versions/:version", async (c) => {
      const version = Number(c.req.param("version"));
      const flow = Number.isInteger(version) ? await engine.store.getFlow(c.req.param("id"), version) : undefined;
      if (!flow) throw new ApiError(404, "NOT_FOUND", `no version ${c.req.param("version")} of flow ${c.req.param("id")}`);
      return c.json(flow);
    })
    .post("/:id/run", async (c) => {
      const body = parseOr400(runRequest, await json(c), "run request");
      const runId = await engine.runs.startManual(c.req.param("id"), body?.payload as Json | undefined);
      return c.json({ runId }, 202);
    });
}
