import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVER_NODE_FLAGS, startRealServer, type RealServer } from "../helpers/real-server.ts";
import { flow } from "../helpers/flows.ts";
import { tempDir } from "../helpers/temp-store.ts";

describe("runnel start, as a user runs it", () => {
  let server: RealServer;
  const data = tempDir("runnel-e2e-");
  beforeAll(async () => {
    server = await startRealServer({ dataDir: data.dir });
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
    data.remove();
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

  it("serves health, the node catalog and the editor", async () => {
    expect(await (await fetch(`${server.url}/api/health`)).json()).toMatchObject({ ok: true, store: "sqlite" });
    const types = (await (await fetch(`${server.url}/api/node-types`)).json()) as { nodeTypes: { type: string; configSchema: object }[] };
    expect(types.nodeTypes.map((t) => t.type)).toEqual(expect.arrayContaining(["webhook", "manual", "filter", "transform", "respond", "log"]));
    const filter = types.nodeTypes.find((t) => t.type === "filter")!;
    expect(filter.configSchema).toMatchObject({ type: "object", properties: { condition: { type: "string", format: "jsonata" } } });
    const page = await fetch(`${server.url}/flows/some-id`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
  });

  it("takes a webhook end to end over real HTTP and keeps the run after a restart", async () => {
    const created = await post(
      "/api/flows",
      flow(
        "e2e",
        [
          { id: "w", type: "webhook", config: { path: "e2e", respond: "respond" } },
          { id: "f", type: "filter", config: { condition: "body.ok" } },
          { id: "t", type: "transform", config: { expression: '{ "echo": body.value }' } },
          { id: "r", type: "respond", config: {} },
        ],
        ["w->f", "f->t", "t->r"],
      ),
    );
    expect(created.status).toBe(201);
    const reply = await post("/hooks/e2e", { ok: true, value: "hello" });
    expect(reply.status).toBe(200);
    expect(await reply.json()).toEqual({ echo: "hello" });

    const bad = await fetch(`${server.url}/hooks/e2e`, { method: "POST", headers: { "content-type": "application/json" }, body: "{" });
    expect(bad.status).toBe(400);
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);

    const { runs } = (await (await fetch(`${server.url}/api/runs?limit=5`)).json()) as { runs: { id: string; status: string }[] };
    expect(runs).toHaveLength(1);
    expect(await server.stop()).toBe(0);
    server = await startRealServer({ dataDir: server.dataDir });
    const run = (await (await fetch(`${server.url}/api/runs/${runs[0]!.id}`)).json()) as { status: string; steps: unknown[] };
    expect(run.status).toBe("succeeded");
    expect(run.steps).toHaveLength(4);
  });

  it("sends a respond node's headers over real HTTP: names case-insensitive (the last one wins), values HTTP cannot carry dropped", async () => {
    const created = await post(
      "/api/flows",
      flow(
        "reply headers",
        [
          { id: "w", type: "webhook", config: { path: "reply-headers", respond: "respond" } },
          {
            id: "r",
            type: "respond",
            config: {
              status: 201,
              headers: { "X-Order": "first", "x-order": "{{ body.id }}", "x-note": "{{ body.note }}", "x-broken": "{{ body.broken }}", "Content-Type": "application/vnd.order+json" },
              body: '{ "id": body.id }',
            },
          },
        ],
        ["w->r"],
      ),
    );
    expect(created.status).toBe(201);
    const reply = await post("/hooks/reply-headers", { id: "A-7", note: "  padded\t", broken: "line\r\nInjected: yes" });
    expect(reply.status).toBe(201);
    expect(reply.headers.get("x-order")).toBe("A-7");
    expect(reply.headers.get("x-note")).toBe("padded");
    expect(reply.headers.has("x-broken")).toBe(false);
    expect(reply.headers.has("injected")).toBe(false);
    expect(reply.headers.get("content-type")).toBe("application/vnd.order+json");
    expect(await reply.json()).toEqual({ id: "A-7" });

    const plain = await post("/api/flows", flow("reply text", [{ id: "w", type: "webhook", config: { path: "reply-text", respond: "respond" } }, { id: "r", type: "respond", config: { body: '"hi"' } }], ["w->r"]));
    expect(plain.status).toBe(201);
    const text = await post("/hooks/reply-text", {});
    expect(text.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await text.text()).toBe("hi");
  });

  it("logs a webhook's headers as received, names lower-cased and repeated ones joined", async () => {
    const created = await post(
      "/api/flows",
      flow("echo headers", [{ id: "w", type: "webhook", config: { path: "echo-headers", respond: "respond" } }, { id: "r", type: "respond", config: { body: "headers" } }], ["w->r"]),
    );
    expect(created.status).toBe(201);
    const answer = await new Promise<Record<string, string>>((resolve, reject) => {
      const request = http.request(`${server.url}/hooks/echo-headers`, { method: "POST" }, (res) => {
        let text = "";
        res.on("data", (d) => (text += d));
        res.on("end", () => resolve(JSON.parse(text)));
      });
      request.on("error", reject);
      request.setHeader("X-Tag", ["a", "b"]); // two header lines
      request.setHeader("X-Mixed-Case", "value");
      request.setHeader("Content-Type", "application/json");
      request.end("{}");
    });
    expect(answer).toMatchObject({ "x-tag": "a, b", "x-mixed-case": "value", "content-type": "application/json" });
  });

  it("refuses to start with a bad setting, naming the variable", async () => {
    const error = await startRealServer({ env: { RUNNEL_MAX_BODY: "lots" } }).catch((e: Error) => e);
    expect(String(error)).toContain("RUNNEL_MAX_BODY");
    const exposed = await startRealServer({ env: { HOST: "0.0.0.0" } }).catch((e: Error) => e);
    expect(String(exposed)).toContain("RUNNEL_API_TOKEN");
  });
});

describe("the Node flags a server starts with", () => {
  const root = path.resolve(import.meta.dirname, "..", "..");

  it("are the same from `npm start` and the test harness", () => {
    const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe(`node ${SERVER_NODE_FLAGS.join(" ")} bin/runnel.js start`);
  });

  it("are not needed to run `runnel` as a command (a plain `env node` shebang, which every `env` runs)", () => {
    expect(readFileSync(path.join(root, "bin", "runnel.js"), "utf8").split("\n")[0]).toBe("#!/usr/bin/env node");
    const result = spawnSync(path.join(root, "bin", "runnel.js"), ["no-such-command"], { encoding: "utf8" });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("usage: runnel [start | api | worker]");
  });
});
