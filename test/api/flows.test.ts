import { afterEach, describe, expect, it } from "vitest";
import { apiHarness } from "../helpers/api-harness.ts";
import { flow } from "../helpers/flows.ts";

const sample = flow("Deploy on push", [{ id: "w", type: "webhook", config: { path: "github" } }, { id: "l", type: "log" }], ["w->l"]);

describe("flows API", () => {
  let h: Awaited<ReturnType<typeof apiHarness>>;
  afterEach(() => h.close());

  it("creates, reads, lists, updates with versions, and deletes", async () => {
    h = await apiHarness();
    const created = await h.call("POST", "/api/flows", sample);
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ id: expect.stringMatching(/^flw_/), version: 1, schemaVersion: 1, name: "Deploy on push" });
    const id = created.json.id;
    expect((await h.call("GET", `/api/flows/${id}`)).json.name).toBe("Deploy on push");
    expect((await h.call("GET", "/api/flows")).json.flows.map((f: { id: string }) => f.id)).toEqual([id]);
    const updated = await h.call("PUT", `/api/flows/${id}`, { ...created.json, name: "Renamed" });
    expect(updated.status).toBe(200);
    expect(updated.json.version).toBe(2);
    const versions = await h.call("GET", `/api/flows/${id}/versions`);
    expect(versions.json.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect((await h.call("GET", `/api/flows/${id}/versions/1`)).json.name).toBe("Deploy on push");
    expect((await h.call("DELETE", `/api/flows/${id}`)).status).toBe(204);
    expect((await h.call("GET", `/api/flows/${id}`)).status).toBe(404);
    expect((await h.call("DELETE", `/api/flows/${id}`)).status).toBe(404);
  });

  it("answers a stale save with 409 and the current document, never last-save-wins", async () => {
    h = await apiHarness();
    const created = (await h.call("POST", "/api/flows", sample)).json;
    await h.call("PUT", `/api/flows/${created.id}`, { ...created, name: "First editor" });
    const stale = await h.call("PUT", `/api/flows/${created.id}`, { ...created, name: "Second editor" });
    expect(stale.status).toBe(409);
    expect(stale.json.error).toMatchObject({ code: "VERSION_CONFLICT", current: { version: 2, name: "First editor" } });
    expect((await h.call("GET", `/api/flows/${created.id}`)).json.name).toBe("First editor");
    const noVersion = await h.call("PUT", `/api/flows/${created.id}`, { ...created, version: undefined });
    expect(noVersion.status).toBe(400);
  });

  it("lists every validation problem with node id and field", async () => {
    h = await apiHarness();
    const res = await h.call("POST", "/api/flows", {
      name: "bad",
      nodes: [{ id: "a", type: "warp" }, { id: "f", type: "filter", config: {} }],
      edges: [{ id: "e", source: "f", target: "missing" }],
    });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("INVALID_FLOW");
    const problems = res.json.error.details.problems.map((p: { nodeId?: string; edgeId?: string; field: string }) => `${p.nodeId ?? p.edgeId ?? "-"}|${p.field}`);
    expect(problems).toEqual(expect.arrayContaining(["a|type", "f|config.condition", "e|target", "-|nodes"]));
    expect((await h.call("GET", "/api/flows")).json.flows).toEqual([]);
  });

  it("refuses two active flows on one webhook method and path", async () => {
    h = await apiHarness();
    expect((await h.call("POST", "/api/flows", sample)).status).toBe(201);
    const clash = await h.call("POST", "/api/flows", { ...sample, name: "Other" });
    expect(clash.status).toBe(400);
    expect(clash.json.error.details.problems[0]).toMatchObject({ nodeId: "w", field: "config.path" });
    expect((await h.call("POST", "/api/flows", { ...sample, name: "Inactive", active: false })).status).toBe(201);
  });

  it("answers bad requests with JSON errors and keeps serving", async () => {
    h = await apiHarness({ maxBodyBytes: 1000 });
    expect((await h.call("POST", "/api/flows", "{not json")).json.error.code).toBe("INVALID_JSON");
    expect((await h.call("POST", "/api/flows", "x".repeat(2000))).status).toBe(413);
    expect((await h.call("POST", "/api/flows", "name=x", { "content-type": "application/x-www-form-urlencoded" })).status).toBe(415);
    expect((await h.call("POST", "/api/flows")).status).toBe(400);
    expect((await h.call("POST", "/api/flows", [1, 2])).status).toBe(400);
    expect((await h.call("GET", "/api/nothing-here")).json.error.code).toBe("NOT_FOUND");
    expect((await h.call("GET", "/api/health")).json).toEqual({ ok: true, version: "test", store: "sqlite" });
  });
});
