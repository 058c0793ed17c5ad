import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flow } from "../helpers/flows.ts";
import { rawRequest } from "../helpers/raw-http.ts";
import { startRealServer, type RealServer } from "../helpers/real-server.ts";
import { badBodies, badQueries, hostileIds, type MalformedRequest } from "./malformed-corpus.ts";

const LIMIT = 256 * 1024;

describe("hardened input: malformed requests over every route, on the real server", () => {
  let server: RealServer;
  let port: number;
  let flowId: string;
  let runId: string;

  beforeAll(async () => {
    server = await startRealServer({ env: { RUNNEL_MAX_BODY: String(LIMIT) } });
    port = Number(new URL(server.url).port);
    const created = await fetch(`${server.url}/api/flows`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(flow("target", [{ id: "w", type: "webhook", config: { path: "in" } }, { id: "m", type: "manual" }, { id: "l", type: "log" }], ["w->l", "m->l"])),
    });
    flowId = ((await created.json()) as { id: string }).id;
    const started = await fetch(`${server.url}/api/flows/${flowId}/run`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"payload":{"n":1}}' });
    runId = ((await started.json()) as { runId: string }).runId;
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  function corpus(): MalformedRequest[] {
    const requests: MalformedRequest[] = [];
    const bodyRoutes = [
      ["POST", "/api/flows"],
      ["PUT", `/api/flows/${flowId}`],
      ["POST", `/api/flows/${flowId}/run`],
      ["POST", `/api/runs/${runId}/retry`],
      ["POST", `/api/runs/${runId}/cancel`],
      ["POST", "/hooks/in"],
      ["POST", "/api/node-types"],
      ["PATCH", `/api/flows/${flowId}`],
      ["DELETE", "/api/flows"],
    ] as const;
    for (const [method, path] of bodyRoutes) {
      for (const bad of badBodies(LIMIT)) {
        requests.push({ name: `${method} ${path} ${bad.name}`, method, path, body: bad.body, chunks: bad.chunks, headers: bad.type ? { "Content-Type": bad.type } : {} });
      }
    }
    const idRoutes = (id: string) => [
      ["GET", `/api/flows/${id}`],
      ["PUT", `/api/flows/${id}`],
      ["DELETE", `/api/flows/${id}`],
      ["GET", `/api/flows/${id}/versions`],
      ["GET", `/api/flows/${flowId}/versions/${id}`],
      ["POST", `/api/flows/${id}/run`],
      ["GET", `/api/runs/${id}`],
      ["POST", `/api/runs/${id}/retry`],
      ["POST", `/api/runs/${id}/cancel`],
      ["POST", `/hooks/${id}`],
      ["GET", `/hooks/in/${id}`],
      ["GET", `/api/${id}`],
      ["GET", `/${id}/../../etc/passwd`],
      ["GET", `/assets/${id}`],
    ];
    for (const id of hostileIds) {
      for (const [method, path] of idRoutes(id)) {
        const body = method === "GET" ? undefined : '{"version":1,"name":"x"}';
        requests.push({ name: `${method} ${path!.slice(0, 60)}`, method: method!, path: path!, body, headers: { "Content-Type": "application/json" } });
      }
    }
    for (const query of badQueries) {
      requests.push({ name: `runs ?${query.slice(0, 40)}`, method: "GET", path: `/api/runs?${query}` });
      requests.push({ name: `hook ?${query.slice(0, 40)}`, method: "POST", path: `/hooks/in?${query}`, body: "{}", headers: { "Content-Type": "application/json" } });
    }
    const headerAbuse: Record<string, string>[] = [
      { "Content-Type": "application/json; charset=utf-16" },
      { "Content-Type": "application/json", "Content-Length": "99999999999" },
      { "Content-Type": "application/json", "Content-Length": "-5" },
      { "Content-Type": "application/json", "Idempotency-Key": "k".repeat(10_000) },
      { "Content-Type": "application/json", "webhook-id": "" },
      { "Content-Type": "application/json", Authorization: "Bearer " + "x".repeat(5000) },
      { "Content-Type": "\u0001json" },
      { "X-Big": "y".repeat(20_000) },
    ];
    for (const headers of headerAbuse) {
      for (const [method, path] of bodyRoutes) requests.push({ name: `${method} ${path} headers ${Object.keys(headers).join(",")}`, method, path, headers, body: '{"a":1}' });
    }
    for (const method of ["PATCH", "OPTIONS", "TRACE", "PROPFIND", "HEAD", "BREW"]) {
      for (const path of ["/api/flows", `/api/runs/${runId}`, "/hooks/in", "/api/health", "/metrics", "*", "/%"]) {
        requests.push({ name: `${method} ${path}`, method, path });
      }
    }
    return requests;
  }

  it("answers ≥ 1,000 of them with a 4xx JSON error or a success, never a 5xx, HTML from the API or a stack trace", async () => {
    const requests = corpus();
    const all = [...requests, ...requests.map(mutate)];
    expect(all.length).toBeGreaterThanOrEqual(1000);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    for (const request of all) {
      const res = await rawRequest(port, request).catch((err: Error) => ({ status: -1, headers: {} as Record<string, string>, body: err.message }));
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const type = res.headers["content-type"] ?? "";
      if (res.status < 100 || res.status >= 500) failures.push(`${request.name}: ${res.status} ${res.body.slice(0, 200)}`);
      else if (res.status >= 400 && request.method !== "HEAD" && !type.includes("application/json")) failures.push(`${request.name}: ${res.status} non-JSON error (${type})`);
      if (/\n\s+at [\w<.]+ \(|node_modules|\/work\//.test(res.body)) failures.push(`${request.name}: leaks a stack or a path`);
      if (/<html/i.test(res.body) && resolvedPath(request.path).startsWith("/api")) failures.push(`${request.name}: HTML from the API`);
    }
    expect(failures).toEqual([]);
    expect([...statuses.keys()].every((s) => s < 500)).toBe(true);
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
    const run = (await (await fetch(`${server.url}/api/runs/${runId}`)).json()) as { steps: { outputs: unknown }[] };
    expect(run.steps[0]!.outputs).toEqual({ out: [{ n: 1 }] });
    const check = await fetch(`${server.url}/api/flows`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"__proto__":{"polluted":true},"name":"proto","nodes":[{"id":"m","type":"manual"}]}',
    });
    expect(check.status).toBe(201);
    const probe = await fetch(`${server.url}/api/flows`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"name":"probe","nodes":[{"id":"m","type":"manual"}]}' });
    expect(((await probe.json()) as Record<string, unknown>).polluted).toBeUndefined();
  });
});

function mutate(request: MalformedRequest, index: number): MalformedRequest {
  if (typeof request.body !== "string") return { ...request, name: `${request.name} (again)` };
  const text = request.body;
  const at = (index * 7919) % Math.max(1, text.length);
  const mutations = [
    text.slice(0, at),
    text.slice(0, at) + "\u0000" + text.slice(at),
    text.slice(0, at) + "}}}]]]" + text.slice(at),
    text.replace(/"/g, "'"),
    text + text,
  ];
  return { ...request, name: `${request.name} (mutated)`, body: mutations[index % mutations.length] };
}

/** Where the server routes a raw path after URL normalisation (`/api/..` is `/`). */
function resolvedPath(path: string): string {
  try {
    return new URL(path, "http://localhost").pathname;
  } catch {
    return path;
  }
}
