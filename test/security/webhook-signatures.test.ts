import { createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  signHmac,
  signStandardWebhook,
  verifyWebhookAuth,
  webhookAuthSchema,
  type VerifyResult,
  type WebhookAuth,
  type WebhookSecrets,
} from "../../engine/security/webhook-signatures.ts";

const enc = new TextEncoder();
const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
const NOW_S = NOW / 1000;

function auth(input: unknown): WebhookAuth {
  return webhookAuthSchema.parse(input);
}

function expectFail(result: VerifyResult, code: string): void {
  expect(result.ok).toBe(false);
  if (!result.ok) {
    expect(result.code).toBe(code);
    expect(result.reason.length).toBeGreaterThan(0);
  }
}

describe("webhookAuthSchema", () => {
  it("parses every variant and applies defaults", () => {
    expect(auth({ type: "none" })).toEqual({ type: "none" });
    expect(auth({ type: "header", header: "X-Token", credential: "cred_1" })).toEqual({ type: "header", header: "X-Token", credential: "cred_1" });
    expect(auth({ type: "standard-webhooks", credential: "cred_1" })).toEqual({ type: "standard-webhooks", credential: "cred_1", toleranceSeconds: 300 });
    expect(auth({ type: "github", credential: "c" })).toEqual({ type: "github", credential: "c" });
    expect(auth({ type: "hmac", header: "X-Sig", credential: "c" })).toEqual({ type: "hmac", header: "X-Sig", credential: "c", algorithm: "sha256", encoding: "hex" });
  });

  it.each([
    { type: "basic" },
    { type: "header", credential: "c" },
    { type: "header", header: "bad header", credential: "c" },
    { type: "github" },
    { type: "github", credential: "" },
    { type: "hmac", header: "X-Sig", algorithm: "md5", credential: "c" },
    { type: "hmac", header: "X-Sig", encoding: "base32", credential: "c" },
    { type: "standard-webhooks", credential: "c", toleranceSeconds: 0 },
    "none",
  ])("rejects %j", (input) => {
    expect(webhookAuthSchema.safeParse(input).success).toBe(false);
  });
});

describe("Standard Webhooks", () => {
  // Published example from the Standard Webhooks / Svix documentation.
  const vector = {
    secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
    timestamp: 1614265330,
    body: '{"test": 2432232314}',
    signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
  };
  const sw = auth({ type: "standard-webhooks", credential: "cred_sw" });

  function request(secret: string, overrides: Record<string, string | undefined> = {}, body = '{"event":"push"}') {
    const id = "msg_1";
    const ts = String(NOW_S);
    const key = secret.startsWith("whsec_") ? Buffer.from(secret.slice(6), "base64") : Buffer.from(secret);
    const sig = createHmac("sha256", key).update(`${id}.${ts}.${body}`).digest("base64");
    const headers: Record<string, string | undefined> = {
      "webhook-id": id,
      "webhook-timestamp": ts,
      "webhook-signature": `v1,${sig}`,
      ...overrides,
    };
    return { headers, rawBody: enc.encode(body) };
  }

  const secret = `whsec_${randomBytes(24).toString("base64")}`;

  it("accepts the published test vector", () => {
    const req = {
      headers: { "webhook-id": vector.id, "webhook-timestamp": String(vector.timestamp), "webhook-signature": vector.signature },
      rawBody: enc.encode(vector.body),
    };
    expect(verifyWebhookAuth(sw, { secret: vector.secret }, req, vector.timestamp * 1000)).toEqual({ ok: true });
    expect(signStandardWebhook(vector.secret, vector.id, vector.timestamp, vector.body)).toBe(vector.signature);
  });

  it("accepts a correct signature with headers in any case and a Date for now", () => {
    const req = request(secret);
    expect(verifyWebhookAuth(sw, { secret }, req, NOW)).toEqual({ ok: true });
    const upper = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toUpperCase(), v]));
    expect(verifyWebhookAuth(sw, { secret }, { ...req, headers: upper }, new Date(NOW))).toEqual({ ok: true });
  });

  it("accepts raw (unprefixed) secrets", () => {
    expect(verifyWebhookAuth(sw, { secret: "plain secret!" }, request("plain secret!"), NOW)).toEqual({ ok: true });
  });

  it("accepts any of several signatures and ignores unknown versions", () => {
    const req = request(secret);
    const good = req.headers["webhook-signature"]!;
    const multi = `v1a,${randomBytes(64).toString("base64")} v1,${randomBytes(32).toString("base64")} ${good}`;
    expect(verifyWebhookAuth(sw, { secret }, { ...req, headers: { ...req.headers, "webhook-signature": multi } }, NOW)).toEqual({ ok: true });
  });

  it("supports secret rotation in both directions", () => {
    const oldSecret = `whsec_${randomBytes(24).toString("base64")}`;
    const newSecret = `whsec_${randomBytes(24).toString("base64")}`;
    const rotating: WebhookSecrets = { secret: newSecret, previousSecrets: [oldSecret] };
    expect(verifyWebhookAuth(sw, rotating, request(oldSecret), NOW)).toEqual({ ok: true });
    expect(verifyWebhookAuth(sw, rotating, request(newSecret), NOW)).toEqual({ ok: true });
    expectFail(verifyWebhookAuth(sw, { secret: newSecret }, request(oldSecret), NOW), "SIGNATURE_MISMATCH");
    // Sender signing with both during its own rotation.
    const both = request(newSecret);
    const oldSig = request(oldSecret).headers["webhook-signature"];
    both.headers["webhook-signature"] = `${oldSig} ${both.headers["webhook-signature"]}`;
    expect(verifyWebhookAuth(sw, { secret: oldSecret }, both, NOW)).toEqual({ ok: true });
  });

  it("rejects timestamps outside the 5 minute tolerance (replays and future)", () => {
    const req = request(secret);
    expect(verifyWebhookAuth(sw, { secret }, req, NOW + 299_000)).toEqual({ ok: true });
    expect(verifyWebhookAuth(sw, { secret }, req, NOW - 299_000)).toEqual({ ok: true });
    expectFail(verifyWebhookAuth(sw, { secret }, req, NOW + 301_000), "TIMESTAMP_OUT_OF_RANGE");
    expectFail(verifyWebhookAuth(sw, { secret }, req, NOW - 301_000), "TIMESTAMP_OUT_OF_RANGE");
    const custom = auth({ type: "standard-webhooks", credential: "c", toleranceSeconds: 10 });
    expectFail(verifyWebhookAuth(custom, { secret }, req, NOW + 11_000), "TIMESTAMP_OUT_OF_RANGE");
  });

  it("rejects a re-signed timestamp that the signature does not cover", () => {
    const req = request(secret);
    req.headers["webhook-timestamp"] = String(NOW_S + 1);
    expectFail(verifyWebhookAuth(sw, { secret }, req, NOW), "SIGNATURE_MISMATCH");
  });

  it("rejects a tampered body, a changed id and a wrong secret", () => {
    const req = request(secret);
    expectFail(verifyWebhookAuth(sw, { secret }, { ...req, rawBody: enc.encode('{"event":"push" }') }, NOW), "SIGNATURE_MISMATCH");
    expectFail(verifyWebhookAuth(sw, { secret }, { ...req, headers: { ...req.headers, "webhook-id": "msg_2" } }, NOW), "SIGNATURE_MISMATCH");
    expectFail(verifyWebhookAuth(sw, { secret: `whsec_${randomBytes(24).toString("base64")}` }, req, NOW), "SIGNATURE_MISMATCH");
  });

  it.each([
    ["webhook-id", "MISSING_HEADER"],
    ["webhook-timestamp", "MISSING_HEADER"],
    ["webhook-signature", "MISSING_HEADER"],
  ])("reports a missing %s", (name, code) => {
    expectFail(verifyWebhookAuth(sw, { secret }, request(secret, { [name]: undefined }), NOW), code);
  });

  it.each([
    [{ "webhook-timestamp": "1.7e9" }, "MALFORMED_HEADER"],
    [{ "webhook-timestamp": "-5" }, "MALFORMED_HEADER"],
    [{ "webhook-signature": "v2,abc" }, "MALFORMED_HEADER"],
    [{ "webhook-signature": "v1,not*base64!!" }, "MALFORMED_HEADER"],
    [{ "webhook-signature": "garbage" }, "MALFORMED_HEADER"],
    [{ "webhook-signature": "v1," }, "MALFORMED_HEADER"],
    [{ "Webhook-Id": "msg_other" }, "MALFORMED_HEADER"],
  ])("reports malformed headers %j", (overrides, code) => {
    expectFail(verifyWebhookAuth(sw, { secret }, request(secret, overrides), NOW), code);
  });

  it("fails closed without a usable secret", () => {
    expectFail(verifyWebhookAuth(sw, undefined, request(secret), NOW), "NO_SECRET");
    expectFail(verifyWebhookAuth(sw, { secret: "" }, request(secret), NOW), "NO_SECRET");
    expectFail(verifyWebhookAuth(sw, { secret: "whsec_" }, request(secret), NOW), "NO_SECRET");
  });

  it("works on binary bodies byte for byte", () => {
    const body = Uint8Array.from([0, 255, 128, 10, 13, 0xc3]);
    const id = "msg_bin";
    const sig = signStandardWebhook(secret, id, NOW_S, body);
    const headers = { "webhook-id": id, "webhook-timestamp": String(NOW_S), "webhook-signature": sig };
    expect(verifyWebhookAuth(sw, { secret }, { headers, rawBody: body }, NOW)).toEqual({ ok: true });
    const changed = Uint8Array.from(body);
    changed[5] = 0xc4;
    expectFail(verifyWebhookAuth(sw, { secret }, { headers, rawBody: changed }, NOW), "SIGNATURE_MISMATCH");
  });
});

describe("GitHub X-Hub-Signature-256", () => {
  const gh = auth({ type: "github", credential: "cred_gh" });

  it("accepts GitHub's documented example", () => {
    const req = {
      headers: { "X-Hub-Signature-256": "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17" },
      rawBody: enc.encode("Hello, World!"),
    };
    expect(verifyWebhookAuth(gh, { secret: "It's a Secret to Everybody" }, req, NOW)).toEqual({ ok: true });
  });

  it("checks body, secret, rotation and header shape", () => {
    const body = enc.encode(JSON.stringify({ ref: "refs/heads/main" }));
    const sig = `sha256=${createHmac("sha256", "gh-secret").update(body).digest("hex")}`;
    const headers = { "x-hub-signature-256": sig };
    expect(verifyWebhookAuth(gh, { secret: "gh-secret" }, { headers, rawBody: body }, NOW)).toEqual({ ok: true });
    expect(verifyWebhookAuth(gh, { secret: "new", previousSecrets: ["gh-secret"] }, { headers, rawBody: body }, NOW)).toEqual({ ok: true });
    expectFail(verifyWebhookAuth(gh, { secret: "other" }, { headers, rawBody: body }, NOW), "SIGNATURE_MISMATCH");
    expectFail(verifyWebhookAuth(gh, { secret: "gh-secret" }, { headers, rawBody: enc.encode("{}") }, NOW), "SIGNATURE_MISMATCH");
    expectFail(verifyWebhookAuth(gh, { secret: "gh-secret" }, { headers: {}, rawBody: body }, NOW), "MISSING_HEADER");
    // The SHA-1 header alone is not enough.
    const sha1 = { "x-hub-signature": `sha1=${createHmac("sha1", "gh-secret").update(body).digest("hex")}` };
    expectFail(verifyWebhookAuth(gh, { secret: "gh-secret" }, { headers: sha1, rawBody: body }, NOW), "MISSING_HEADER");
    for (const bad of [sig.slice(7), `sha1=${sig.slice(7)}`, `${sig.slice(0, -2)}zz`, sig.slice(0, -2)]) {
      const result = verifyWebhookAuth(gh, { secret: "gh-secret" }, { headers: { "x-hub-signature-256": bad }, rawBody: body }, NOW);
      expect(result.ok, bad).toBe(false);
    }
  });
});

describe("generic HMAC", () => {
  const body = enc.encode('{"amount":100}');

  it.each([
    ["sha1", "hex", undefined],
    ["sha256", "hex", "sha256="],
    ["sha512", "hex", undefined],
    ["sha1", "base64", undefined],
    ["sha256", "base64", "v0="],
    ["sha512", "base64", "HMAC "],
  ] as const)("%s/%s with prefix %j", (algorithm, encoding, prefix) => {
    const config = auth({ type: "hmac", header: "X-Signature", algorithm, encoding, credential: "c", ...(prefix ? { prefix } : {}) });
    const digest = createHmac(algorithm, "hmac-secret").update(body).digest(encoding);
    const value = `${prefix ?? ""}${digest}`;
    expect(signHmac("hmac-secret", body, { algorithm, encoding, prefix })).toBe(value);
    const headers = { "x-signature": value };
    expect(verifyWebhookAuth(config, { secret: "hmac-secret" }, { headers, rawBody: body }, NOW)).toEqual({ ok: true });
    expect(verifyWebhookAuth(config, { secret: "x", previousSecrets: ["hmac-secret"] }, { headers, rawBody: body }, NOW)).toEqual({ ok: true });
    expectFail(verifyWebhookAuth(config, { secret: "wrong" }, { headers, rawBody: body }, NOW), "SIGNATURE_MISMATCH");
    expectFail(verifyWebhookAuth(config, { secret: "hmac-secret" }, { headers, rawBody: enc.encode('{"amount":1000}') }, NOW), "SIGNATURE_MISMATCH");
    expectFail(verifyWebhookAuth(config, { secret: "hmac-secret" }, { headers: {}, rawBody: body }, NOW), "MISSING_HEADER");
    if (prefix) expectFail(verifyWebhookAuth(config, { secret: "hmac-secret" }, { headers: { "x-signature": digest }, rawBody: body }, NOW), "MALFORMED_HEADER");
  });

  it("rejects a digest of another algorithm and non-encoded values", () => {
    const config = auth({ type: "hmac", header: "X-Signature", algorithm: "sha256", encoding: "hex", credential: "c" });
    const sha1 = createHmac("sha1", "s").update(body).digest("hex");
    expectFail(verifyWebhookAuth(config, { secret: "s" }, { headers: { "x-signature": sha1 }, rawBody: body }, NOW), "SIGNATURE_MISMATCH");
    expectFail(verifyWebhookAuth(config, { secret: "s" }, { headers: { "x-signature": "xyz" }, rawBody: body }, NOW), "MALFORMED_HEADER");
  });
});

describe("header token", () => {
  const config = auth({ type: "header", header: "X-Webhook-Token", credential: "cred_tok" });
  const rawBody = enc.encode("{}");

  it("accepts the exact token (also as Bearer) and rotation", () => {
    expect(verifyWebhookAuth(config, { secret: "tok-123" }, { headers: { "x-webhook-token": "tok-123" }, rawBody }, NOW)).toEqual({ ok: true });
    expect(verifyWebhookAuth(config, { secret: "tok-123" }, { headers: { "X-WEBHOOK-TOKEN": "Bearer tok-123" }, rawBody }, NOW)).toEqual({ ok: true });
    expect(verifyWebhookAuth(config, { secret: "new", previousSecrets: ["tok-123"] }, { headers: { "x-webhook-token": "tok-123" }, rawBody }, NOW)).toEqual({ ok: true });
  });

  it.each(["tok-12", "tok-1234", "TOK-123", " tok-123x", "", "Bearer ", "tok-123\u0000"])("rejects %j", (value) => {
    const result = verifyWebhookAuth(config, { secret: "tok-123" }, { headers: { "x-webhook-token": value }, rawBody }, NOW);
    expect(result.ok).toBe(false);
  });

  it("reports a missing header and a missing secret", () => {
    expectFail(verifyWebhookAuth(config, { secret: "tok-123" }, { headers: {}, rawBody }, NOW), "MISSING_HEADER");
    expectFail(verifyWebhookAuth(config, undefined, { headers: { "x-webhook-token": "tok-123" }, rawBody }, NOW), "NO_SECRET");
  });

  it("never echoes secrets or presented values in reasons", () => {
    const result = verifyWebhookAuth(config, { secret: "tok-123" }, { headers: { "x-webhook-token": "guess-999" }, rawBody }, NOW);
    expect(JSON.stringify(result)).not.toMatch(/tok-123|guess-999/);
  });
});

describe("type none", () => {
  it("always passes, even without secrets", () => {
    expect(verifyWebhookAuth(auth({ type: "none" }), undefined, { headers: {}, rawBody: new Uint8Array() }, NOW)).toEqual({ ok: true });
  });
});
