import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signHmac, signStandardWebhook } from "../../engine/security/webhook-signatures.ts";
import { apiHarness } from "../helpers/api-harness.ts";
import { flow } from "../helpers/flows.ts";

const WHSEC = `whsec_${randomBytes(24).toString("base64")}`;
const OLD_WHSEC = `whsec_${randomBytes(24).toString("base64")}`;
const GITHUB_SECRET = "gh-shared-secret-81c2";
const TOKEN = "hook-token-5d1e9f0a";

describe("webhook authentication, verified over the raw bytes before anything is stored", () => {
  let h: Awaited<ReturnType<typeof apiHarness>>;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    h = await apiHarness();
    const cred = async (name: string, data: unknown) => (await h.engine.credentials.create({ name, type: "webhook-secret", data })).id;
    ids.whsec = await cred("standard", { secret: WHSEC, previousSecrets: [OLD_WHSEC] });
    ids.github = await cred("github", { secret: GITHUB_SECRET });
    ids.token = await cred("token", { secret: TOKEN });
    const hooks = [
      { id: "sw", type: "webhook", config: { path: "sw", auth: { type: "standard-webhooks", credential: ids.whsec } } },
      { id: "gh", type: "webhook", config: { path: "gh", auth: { type: "github", credential: ids.github } } },
      { id: "tok", type: "webhook", config: { path: "tok", auth: { type: "header", header: "X-Hook-Token", credential: ids.token } } },
      {
        id: "mac",
        type: "webhook",
        config: { path: "mac", auth: { type: "hmac", header: "X-Signature", algorithm: "sha512", encoding: "base64", credential: ids.token } },
      },
      { id: "lim", type: "webhook", config: { path: "lim", rateLimit: { requests: 3, per: "1h" } } },
    ];
    await h.engine.flows.create(flow("hooks", hooks, []));
  });
  afterAll(() => h.close());

  const runCount = async () => (await h.store.listRuns({ limit: 1000 })).runs.length;
  const post = (path: string, body: string, headers: Record<string, string>) =>
    h.call("POST", `/hooks/${path}`, body, { "content-type": "application/json", ...headers });
  const nowS = () => Math.floor(Date.now() / 1000);
  const standard = (id: string, body: string, secret = WHSEC, ts = nowS()) => ({
    "webhook-id": id,
    "webhook-timestamp": String(ts),
    "webhook-signature": signStandardWebhook(secret, id, ts, body),
  });

  it("Standard Webhooks: accepts a signed delivery, replays a repeat, refuses tampering and stale timestamps", async () => {
    // Odd spacing and key order: the signature is over these exact bytes, not a re-serialisation.
    const body = '{ "b":2,   "a": "ünïcode" }';
    const before = await runCount();
    const first = await post("sw", body, standard("msg_1", body));
    expect(first.status, first.text).toBe(202);
    const replay = await post("sw", body, standard("msg_1", body));
    expect(replay.status).toBe(200);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.json.runId).toBe(first.json.runId);

    const tampered = await post("sw", body.replace("2", "3"), standard("msg_2", body));
    expect(tampered.status).toBe(401);
    expect(tampered.json.error.code).toBe("WEBHOOK_SIGNATURE_MISMATCH");
    const stale = await post("sw", body, standard("msg_3", body, WHSEC, nowS() - 600));
    expect(stale.status).toBe(401);
    expect(stale.json.error).toMatchObject({ code: "WEBHOOK_TIMESTAMP_OUT_OF_RANGE", message: expect.stringContaining("600s old") });
    const unsigned = await post("sw", body, {});
    expect(unsigned.json.error.code).toBe("WEBHOOK_MISSING_HEADER");
    // The previous secret still verifies during a rotation.
    expect((await post("sw", body, standard("msg_4", body, OLD_WHSEC))).status).toBe(202);
    expect(await runCount()).toBe(before + 2);
  });

  it("GitHub: X-Hub-Signature-256 over the raw body; X-GitHub-Delivery makes a redelivery a replay", async () => {
    const body = JSON.stringify({ ref: "refs/heads/main", pusher: { name: "ada" } });
    const signature = signHmac(GITHUB_SECRET, body, { algorithm: "sha256", encoding: "hex", prefix: "sha256=" });
    const headers = { "x-hub-signature-256": signature, "x-github-event": "push", "x-github-delivery": "d-42" };
    const before = await runCount();
    const first = await post("gh", body, headers);
    expect(first.status).toBe(202);
    const again = await post("gh", body, headers);
    expect(again.status).toBe(200);
    expect(again.json.runId).toBe(first.json.runId);
    const forged = await post("gh", body, { ...headers, "x-hub-signature-256": signHmac("guess", body, { algorithm: "sha256", encoding: "hex", prefix: "sha256=" }) });
    expect(forged.status).toBe(401);
    expect(forged.json.error.code).toBe("WEBHOOK_SIGNATURE_MISMATCH");
    expect(await runCount()).toBe(before + 1);
    expect(await h.store.getRunMessage(first.json.runId)).toMatchObject({ body: { ref: "refs/heads/main" } });
  });

  it("header token: refuses a missing or wrong token and keeps the right one out of the run log", async () => {
    const before = await runCount();
    expect((await post("tok", "{}", {})).json.error.code).toBe("WEBHOOK_MISSING_HEADER");
    const wrong = await post("tok", "{}", { "x-hook-token": "nope" });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error.code).toBe("WEBHOOK_SIGNATURE_MISMATCH");
    const ok = await post("tok", '{"n":1}', { "x-hook-token": TOKEN });
    expect(ok.status).toBe(202);
    const message = (await h.store.getRunMessage(ok.json.runId)) as { headers: Record<string, string> };
    expect(message.headers["x-hook-token"]).toBe("[redacted]");
    expect(JSON.stringify(await h.call("GET", `/api/runs/${ok.json.runId}`))).not.toContain(TOKEN);
    expect(await runCount()).toBe(before + 1);
  });

  it("generic HMAC: configured header, algorithm and encoding", async () => {
    const body = "plain text body";
    const signature = signHmac(TOKEN, body, { algorithm: "sha512", encoding: "base64" });
    expect((await post("mac", body, { "content-type": "text/plain", "x-signature": signature })).status).toBe(202);
    const sha256Instead = signHmac(TOKEN, body, { algorithm: "sha256", encoding: "base64" });
    expect((await post("mac", body, { "content-type": "text/plain", "x-signature": sha256Instead })).json.error.code).toBe("WEBHOOK_SIGNATURE_MISMATCH");
    expect((await post("mac", body, { "content-type": "text/plain", "x-signature": "not base64!" })).json.error.code).toBe("WEBHOOK_MALFORMED_HEADER");
  });

  it("rate limit: 429 with Retry-After once a webhook's requests are used up", async () => {
    for (let i = 0; i < 3; i++) expect((await post("lim", "{}", {})).status).toBe(202);
    const limited = await post("lim", "{}", {});
    expect(limited.status).toBe(429);
    expect(limited.json.error.code).toBe("RATE_LIMITED");
    const retryAfter = Number(limited.headers.get("retry-after"));
    // 3 per hour refill one request every 20 minutes.
    expect(retryAfter).toBeGreaterThan(1150);
    expect(retryAfter).toBeLessThanOrEqual(1200);
    // Other webhooks are not affected.
    expect((await post("tok", "{}", { "x-hook-token": TOKEN })).status).toBe(202);
  });
});
