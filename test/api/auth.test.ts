import { afterEach, describe, expect, it } from "vitest";
import { apiHarness } from "../helpers/api-harness.ts";
import { flow } from "../helpers/flows.ts";

const TOKEN = "s3cret-token-0123456789";

describe("API token", () => {
  let h: Awaited<ReturnType<typeof apiHarness>>;
  afterEach(() => h.close());

  it("requires the bearer token for the API but keeps health and webhooks public", async () => {
    h = await apiHarness({ apiToken: TOKEN });
    await h.engine.flows.create(flow("hook", [{ id: "w", type: "webhook", config: { path: "open" } }], []));
    const denied = await h.call("GET", "/api/flows");
    expect(denied.status).toBe(401);
    expect(denied.json.error.code).toBe("UNAUTHORIZED");
    expect(denied.headers.get("www-authenticate")).toBe("Bearer");
    expect((await h.call("GET", "/api/flows", undefined, { authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
    expect((await h.call("GET", "/api/flows", undefined, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect((await h.call("GET", "/metrics")).status).toBe(401);
    expect((await h.call("GET", "/api/health")).status).toBe(200);
    expect((await h.call("POST", "/hooks/open", { a: 1 })).status).toBe(202);
  });

  it("signs the editor in once with an HttpOnly, SameSite=Strict cookie", async () => {
    h = await apiHarness({ apiToken: TOKEN });
    const page = await h.app.request("/flows/abc");
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe("/login");
    expect(await (await h.app.request("/login")).text()).toContain('name="token"');
    const wrong = await h.app.request("/api/session", { method: "POST", body: new URLSearchParams({ token: "nope" }) });
    expect(wrong.headers.get("location")).toBe("/login?failed=1");
    expect(wrong.headers.get("set-cookie")).toBeNull();
    const signIn = await h.app.request("/api/session", { method: "POST", body: new URLSearchParams({ token: TOKEN }) });
    expect(signIn.status).toBe(303);
    const cookie = signIn.headers.get("set-cookie")!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toContain(TOKEN);
    const session = cookie.split(";")[0]!;
    expect((await h.call("GET", "/api/flows", undefined, { cookie: session })).status).toBe(200);
    expect((await h.call("GET", "/api/flows", undefined, { cookie: "runnel_session=forged" })).status).toBe(401);
  });

  it("answers 429 after 10 failed attempts in a minute", async () => {
    h = await apiHarness({ apiToken: TOKEN });
    for (let i = 0; i < 10; i++) expect((await h.call("GET", "/api/flows", undefined, { authorization: "Bearer wrong" })).status).toBe(401);
    const blocked = await h.call("GET", "/api/flows", undefined, { authorization: "Bearer wrong" });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    const alsoBlocked = await h.app.request("/api/session", { method: "POST", body: new URLSearchParams({ token: TOKEN }) });
    expect(alsoBlocked.status).toBe(429);
  });

  it("lets everything through on loopback without a token", async () => {
    h = await apiHarness();
    expect((await h.call("GET", "/api/flows")).status).toBe(200);
  });
});
