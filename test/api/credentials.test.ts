import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiHarness } from "../helpers/api-harness.ts";
import { flow } from "../helpers/flows.ts";
import { json, startHttpTarget } from "../helpers/http-target.ts";

const SECRET = "s3cret-token-7f9a2c";
const ROTATED = "n3w-token-18e4b0aa";

describe("credentials API", () => {
  let h: Awaited<ReturnType<typeof apiHarness>>;
  let target: Awaited<ReturnType<typeof startHttpTarget>>;

  beforeAll(async () => {
    h = await apiHarness();
    target = await startHttpTarget({
      // A careless server that echoes the credential back, in a success and in an error.
      "/echo": (req, res) => json(res, 200, { saw: req.headers.authorization, key: req.headers["x-api-key"] }),
      "/fail": (req, res) => json(res, 500, { message: `rejected ${req.headers.authorization}` }),
      "/elsewhere": (_req, res) => json(res, 302, {}, { location: `${target.url.replace("127.0.0.1", "localhost")}/echo` }),
    });
  });
  afterAll(async () => {
    await h.close();
    await target.close();
  });

  const create = async (name: string, type: string, data: unknown) => {
    const res = await h.call("POST", "/api/credentials", { name, type, data });
    expect(res.status, res.text).toBe(201);
    return res.json.id as string;
  };

  it("creates, lists, reads, rotates and deletes without ever answering with data", async () => {
    const res = await h.call("POST", "/api/credentials", { name: "Deploy hook", type: "bearer-token", data: { token: SECRET } });
    expect(res.status).toBe(201);
    expect(res.json).toEqual({ id: expect.stringMatching(/^cred_/) });
    const id = res.json.id as string;

    const list = await h.call("GET", "/api/credentials");
    expect(list.json.credentials).toEqual([
      { id, name: "Deploy hook", type: "bearer-token", createdAt: expect.any(String), updatedAt: expect.any(String) },
    ]);
    const one = await h.call("GET", `/api/credentials/${id}`);
    expect(one.json).toEqual(list.json.credentials[0]);
    const renamed = await h.call("PUT", `/api/credentials/${id}`, { name: "Deploy", data: { token: ROTATED } });
    expect(renamed.status).toBe(200);
    expect(renamed.json).toMatchObject({ id, name: "Deploy", type: "bearer-token" });
    for (const r of [res, list, one, renamed]) {
      expect(r.text).not.toContain(SECRET);
      expect(r.text).not.toContain(ROTATED);
    }
    expect((await h.engine.credentials.read(id))?.data).toEqual({ token: ROTATED });

    // At rest: only the AES-256-GCM blob, bound to the id.
    const db = new Database(h.filename!, { readonly: true });
    const row = db.prepare("SELECT * FROM credentials WHERE id = ?").get(id) as Record<string, string>;
    db.close();
    expect(row.encrypted).toMatch(/^v1:/);
    expect(JSON.stringify(row)).not.toContain(ROTATED);

    expect((await h.call("DELETE", `/api/credentials/${id}`)).status).toBe(204);
    expect((await h.call("GET", `/api/credentials/${id}`)).status).toBe(404);
    expect((await h.call("DELETE", `/api/credentials/${id}`)).status).toBe(404);
    expect((await h.call("PUT", `/api/credentials/${id}`, { name: "x" })).status).toBe(404);
  });

  it("refuses bad input with 400 and never echoes the value", async () => {
    const unknownType = await h.call("POST", "/api/credentials", { name: "x", type: "password-manager", data: { token: SECRET } });
    expect(unknownType.status).toBe(400);
    const badData = await h.call("POST", "/api/credentials", { name: "x", type: "http-header", data: { header: "bad header", value: SECRET } });
    expect(badData.status).toBe(400);
    expect(badData.json.error.code).toBe("INVALID_REQUEST");
    expect(badData.json.error.details.problems).toEqual([{ field: "data.header", message: "must be a valid HTTP header name" }]);
    const missing = await h.call("POST", "/api/credentials", { name: "", type: "bearer-token" });
    expect(missing.status).toBe(400);
    for (const r of [unknownType, badData, missing]) expect(r.text).not.toContain(SECRET);
    expect((await h.call("POST", "/api/credentials")).status).toBe(400);
  });

  it("rotates a webhook secret, keeping the old one valid as a previous secret", async () => {
    const id = await create("GitHub", "webhook-secret", { secret: "first-secret" });
    const res = await h.call("PUT", `/api/credentials/${id}`, { data: { secret: "second-secret" }, rotate: true });
    expect(res.status).toBe(200);
    expect((await h.engine.credentials.read(id))?.data).toEqual({ secret: "second-secret", previousSecrets: ["first-secret"] });
    await h.call("PUT", `/api/credentials/${id}`, { data: { secret: "third-secret" }, rotate: true });
    expect((await h.engine.credentials.read(id))?.data).toEqual({ secret: "third-secret", previousSecrets: ["second-secret", "first-secret"] });
    // The data alone, as DESIGN §10 writes it, is accepted too.
    expect((await h.call("PUT", `/api/credentials/${id}`, { secret: "fourth-secret", previousSecrets: ["third-secret"] })).status).toBe(200);
    expect((await h.engine.credentials.read(id))?.data).toEqual({ secret: "fourth-secret", previousSecrets: ["third-secret"] });
    expect((await h.call("PUT", `/api/credentials/${id}`, { type: "bearer-token", data: { token: "x" } })).status).toBe(400);
    const bearer = await create("Token", "bearer-token", { token: SECRET });
    expect((await h.call("PUT", `/api/credentials/${bearer}`, { data: { token: ROTATED }, rotate: true })).status).toBe(400);
  });

  it("refuses flows that reference a missing or unfitting credential, naming node and field", async () => {
    const bearer = await create("Token", "bearer-token", { token: SECRET });
    const res = await h.call(
      "POST",
      "/api/flows",
      flow(
        "refs",
        [
          { id: "hook", type: "webhook", config: { path: "refs", auth: { type: "github", credential: bearer } } },
          { id: "call", type: "http", config: { url: `${target.url}/echo`, auth: { credential: "cred_missing" } } },
        ],
        ["hook->call"],
      ),
    );
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("INVALID_FLOW");
    expect(res.json.error.details.problems).toEqual([
      { nodeId: "hook", field: "config.auth.credential", message: 'credential "Token" is a bearer-token; this field needs webhook-secret' },
      { nodeId: "call", field: "config.auth.credential", message: 'credential "cred_missing" does not exist' },
    ]);
  });

  it("refuses to delete a credential an active flow uses (409), and allows it once the flow is inactive", async () => {
    const id = await create("Signing", "webhook-secret", { secret: SECRET });
    const doc = flow("uses it", [{ id: "hook", type: "webhook", config: { path: "uses", auth: { type: "standard-webhooks", credential: id } } }], []);
    const created = await h.call("POST", "/api/flows", doc);
    expect(created.status).toBe(201);
    const refused = await h.call("DELETE", `/api/credentials/${id}`);
    expect(refused.status).toBe(409);
    expect(refused.json.error).toMatchObject({ code: "CREDENTIAL_IN_USE", details: { users: [{ flowId: created.json.id, nodeId: "hook", field: "config.auth.credential" }] } });
    expect(refused.json.error.message).toContain('"uses it"');
    await h.call("PUT", `/api/flows/${created.json.id}`, { ...doc, active: false, version: 1 });
    expect((await h.call("DELETE", `/api/credentials/${id}`)).status).toBe(204);
  });

  it("authenticates http calls with a credential and redacts it from outputs, errors and logs", async () => {
    const bearer = await create("API", "bearer-token", { token: SECRET });
    const header = await create("Key", "http-header", { header: "X-Api-Key", value: ROTATED });
    const doc = flow(
      "auth",
      [
        { id: "m", type: "manual" },
        { id: "ok", type: "http", config: { url: `${target.url}/echo`, auth: { credential: bearer } } },
        { id: "key", type: "http", config: { url: `${target.url}/echo`, auth: { credential: header } } },
        { id: "away", type: "http", config: { url: `${target.url}/elsewhere`, auth: { credential: header } } },
        { id: "bad", type: "http", config: { url: `${target.url}/fail?t={{ $string(1) }}`, auth: { credential: bearer } } },
      ],
      ["m->ok", "ok->key", "key->away", "away->bad"],
    );
    const run = await h.runFlow(doc, {});
    const byNode = Object.fromEntries(run.steps.map((s) => [s.nodeId, s]));
    // The target saw the real values...
    expect(target.to("/echo")[0]!.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(target.to("/echo")[1]!.headers["x-api-key"]).toBe(ROTATED);
    // ...but the run log only ever holds the redaction marker.
    expect(byNode.ok!.outputs.out![0]).toMatchObject({ status: 200, body: { saw: "Bearer [redacted]" } });
    expect(byNode.key!.outputs.out![0]).toMatchObject({ body: { key: "[redacted]" } });
    // A redirect to another origin does not carry the API key along.
    expect(target.to("/echo")[2]!.headers["x-api-key"]).toBeUndefined();
    expect(run.status).toBe("failed");
    expect(byNode.bad!.error!.message).toContain("rejected Bearer [redacted]");
    expect(run.error!.message).not.toContain(SECRET);
    const stored = JSON.stringify(await h.call("GET", `/api/runs/${run.id}`));
    expect(stored).not.toContain(SECRET);
    expect(stored).not.toContain(ROTATED);
  });
});
