import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flow } from "../helpers/flows.ts";
import { rawRequest, type RawRequest, type RawResponse } from "../helpers/raw-http.ts";
import { startRealServer, type RealServer } from "../helpers/real-server.ts";

/**
 * The server answers plain webhook POSTs itself (api/hook-listener.ts) and passes the rest to
 * Hono. A Host in capitals is one it passes on, so each request below is sent both ways and
 * must get the same answer.
 */
describe("webhooks answered straight from Node's server and through Hono alike", () => {
  let server: RealServer;
  let port: number;
  beforeAll(async () => {
    server = await startRealServer({ env: { RUNNEL_MAX_BODY: "1kb" } });
    port = Number(new URL(server.url).port);
    const nodes = [
      { id: "r", type: "webhook", config: { path: "fp/respond/:kind", respond: "respond" } },
      { id: "reply", type: "respond", config: { status: 201, headers: { "X-Kind": "{{ params.kind }}" }, body: '{ "body": body, "query": query, "tag": headers."x-tag", "path": path }' } },
      { id: "a", type: "webhook", config: { path: "fp/accepted" } },
      { id: "g", type: "webhook", config: { path: "fp/get-only", method: "GET" } },
    ];
    const created = await fetch(`${server.url}/api/flows`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...flow("fast path", nodes, ["r->reply"]), active: true }),
    });
    expect(created.status).toBe(201);
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  const json = { "content-type": "application/json" };
  const cases: [string, RawRequest][] = [
    ["JSON, a repeated header, a query with repeats and escapes", { method: "POST", path: "/hooks/fp/respond/json?a=1&a=2&b=x+y&c=%C3%A9&d", headers: { ...json, "X-Tag": "one", "x-tag": "two" }, body: '{"id":"A-1","n":[1,2]}' }],
    ["text", { method: "POST", path: "/hooks/fp/respond/text", headers: { "content-type": "text/plain" }, body: "plain words" }],
    ["a form", { method: "POST", path: "/hooks/fp/respond/form", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "a=1&b=two+words" }],
    ["no body", { method: "POST", path: "/hooks/fp/respond/empty", headers: { "content-length": "0" } }],
    ["a chunked body", { method: "POST", path: "/hooks/fp/respond/chunks", headers: json, chunks: [Buffer.from('{"id":'), Buffer.from('"C-3"}')] }],
    ["accepted mode", { method: "POST", path: "/hooks/fp/accepted", headers: json, body: "{}" }],
    ["invalid JSON", { method: "POST", path: "/hooks/fp/respond/bad", headers: json, body: '{"id":' }],
    ["invalid UTF-8", { method: "POST", path: "/hooks/fp/respond/bytes", headers: { "content-type": "text/plain" }, body: Buffer.from([0xff, 0xfe, 0x41]) }],
    ["no such webhook", { method: "POST", path: "/hooks/fp/nowhere", headers: json, body: "{}" }],
    ["the wrong method", { method: "POST", path: "/hooks/fp/get-only", headers: json, body: "{}" }],
    ["a declared body over RUNNEL_MAX_BODY", { method: "POST", path: "/hooks/fp/respond/big", headers: { ...json, "content-length": "5000" }, body: "x".repeat(5000) }],
    ["a chunked body over RUNNEL_MAX_BODY", { method: "POST", path: "/hooks/fp/respond/big", headers: json, chunks: Array.from({ length: 5 }, () => Buffer.from("y".repeat(400))) }],
  ];

  /** What a client sees, run ids aside (every run has its own). */
  const seen = (res: RawResponse) => ({
    status: res.status,
    contentType: res.headers["content-type"],
    allow: res.headers["allow"],
    kind: res.headers["x-kind"],
    replayed: res.headers["idempotent-replayed"],
    body: res.body.replace(/run_[0-9a-z]{26}/g, "run_…"),
  });

  it.each(cases)("%s", async (_, request) => {
    const fast = seen(await rawRequest(port, request));
    const viaHono = seen(await rawRequest(port, { ...request, host: "LOCALHOST" }));
    expect(fast).toEqual(viaHono);
    expect(fast.status).toBeGreaterThanOrEqual(200);
  });

  it("gives the same first answer and replay for a repeated Idempotency-Key", async () => {
    const answers: ReturnType<typeof seen>[][] = [];
    for (const host of ["127.0.0.1", "LOCALHOST"]) {
      const request: RawRequest = { method: "POST", path: "/hooks/fp/accepted", host, headers: { ...json, "Idempotency-Key": `key-${host}` }, body: "{}" };
      answers.push([seen(await rawRequest(port, request)), seen(await rawRequest(port, request))]);
    }
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0]!.map((a) => [a.status, a.replayed])).toEqual([[202, undefined], [200, "true"]]);
  });

  it("answers what the flow replied, with the query, headers and path it was given", async () => {
    const res = await rawRequest(port, cases[0]![1]);
    expect(res.status).toBe(201);
    expect(res.headers["x-kind"]).toBe("json");
    expect(JSON.parse(res.body)).toEqual({ body: { id: "A-1", n: [1, 2] }, query: { a: ["1", "2"], b: "x y", c: "é", d: "" }, tag: "one, two", path: "/fp/respond/json" });
  });
});
