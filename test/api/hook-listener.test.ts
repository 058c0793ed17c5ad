import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withWebhookFastPath } from "../../api/hook-listener.ts";
import type { HookRequest } from "../../api/webhook-ingress.ts";
import { rawRequest } from "../helpers/raw-http.ts";

describe("which webhook requests the Node server answers itself", () => {
  const served: HookRequest[] = [];
  let passedOn = 0;
  let accepting = true;
  let server: Server;
  let port: number;
  beforeAll(async () => {
    const ingress = async (request: HookRequest) => {
      served.push(request);
      const body = new TextDecoder().decode(await request.body(10));
      return { status: 200, headers: { "content-type": "text/plain" }, body: `got ${body}` };
    };
    server = createServer(
      withWebhookFastPath(ingress, () => accepting, (_req, res) => {
        passedOn++;
        res.writeHead(299).end();
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("answers plain webhook POSTs itself, reading path, query, headers and body", async () => {
    const res = await rawRequest(port, { method: "POST", path: "/hooks/orders/7?x=1&x=2", headers: { "X-A": "1" }, body: "hello" });
    expect([res.status, res.body]).toEqual([200, "got hello"]);
    expect(served.at(-1)).toMatchObject({ method: "POST", path: "orders/7", query: { x: ["1", "2"] }, headers: { "x-a": "1", host: "127.0.0.1" } });
  });

  it("refuses a body over the limit with 413 and closes the connection instead of reading the rest", async () => {
    const res = await rawRequest(port, { method: "POST", path: "/hooks/big", chunks: [Buffer.from("123456"), Buffer.from("789012")] });
    expect(res.status).toBe(413);
    expect(res.headers.connection).toBe("close");
    expect(JSON.parse(res.body).error.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it.each([
    ["another method", { method: "GET", path: "/hooks/orders" }],
    ["another path", { method: "POST", path: "/api/flows" }],
    ["a Host node-server would normalise", { method: "POST", path: "/hooks/orders", host: "EXAMPLE.com" }],
    ["a percent-escaped path", { method: "POST", path: "/hooks/%6Frders" }],
    ["a dot segment", { method: "POST", path: "/hooks/a/../orders" }],
  ])("passes on %s to Hono", async (_, request) => {
    const before = passedOn;
    expect((await rawRequest(port, { ...request, body: "" })).status).toBe(299);
    expect(passedOn).toBe(before + 1);
  });

  it("passes everything on once the server stops accepting (Hono answers 503)", async () => {
    accepting = false;
    const before = passedOn;
    expect((await rawRequest(port, { method: "POST", path: "/hooks/orders", body: "" })).status).toBe(299);
    expect(passedOn).toBe(before + 1);
    accepting = true;
  });
});
