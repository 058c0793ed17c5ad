import { Hono } from "hono";
import { describeCredentialTypes } from "../../engine/credentials/credential-types.ts";
import { readJsonBody } from "../body.ts";
import { ApiError } from "../errors.ts";
import type { AppDeps } from "../app.ts";

/** Credentials: names, types and ids go out; data only comes in (DESIGN §10). */
export function credentialRoutes(deps: AppDeps) {
  const { credentials } = deps.engine;
  const body = async (c: Parameters<typeof readJsonBody>[0]) => {
    const value = await readJsonBody(c, deps.maxBodyBytes);
    if (value === undefined) throw new ApiError(400, "INVALID_REQUEST", "send the credential as the JSON body");
    return value;
  };

  return new Hono()
    .get("/", async (c) => c.json({ credentials: await credentials.list() }))
    .post("/", async (c) => {
      const { id } = await credentials.create(await body(c));
      return c.json({ id }, 201);
    })
    .get("/:id", async (c) => c.json(await credentials.get(c.req.param("id"))))
    .put("/:id", async (c) => c.json(await credentials.update(c.req.param("id"), await body(c))))
    .delete("/:id", async (c) => {
      await credentials.remove(c.req.param("id"));
      return c.body(null, 204);
    });
}

/** The credential types and the JSON Schema of each one's data (the editor's create form). */
export function credentialTypeRoutes() {
  const credentialTypes = describeCredentialTypes();
  return new Hono().get("/", (c) => c.json({ credentialTypes }));
}
