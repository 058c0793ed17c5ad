// Webhook ingress authentication over the RAW body bytes (DESIGN §7, §10 `webhook.auth`).
//
// Every comparison of attacker-supplied material against a secret-derived value goes
// through crypto.timingSafeEqual on equal-length buffers; lengths compared beforehand are
// public (a digest's size), never secret. All candidate secrets (current + previous, for
// rotation) are always tried, so timing does not reveal which one matched.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { HmacAlgorithm, SignatureEncoding, WebhookAuth, WebhookSecrets } from "./webhook-auth-schema.ts";

export {
  webhookAuthSchema,
  webhookSecretDataSchema,
  type WebhookAuth,
  type WebhookAuthInput,
  type WebhookSecrets,
} from "./webhook-auth-schema.ts";

export interface WebhookRequest {
  /** Header names in any case. */
  headers: Readonly<Record<string, string | undefined>>;
  rawBody: Uint8Array;
}

export type VerifyFailureCode =
  | "NO_SECRET"
  | "MISSING_HEADER"
  | "MALFORMED_HEADER"
  | "TIMESTAMP_OUT_OF_RANGE"
  | "SIGNATURE_MISMATCH";

export type VerifyResult = { ok: true } | { ok: false; code: VerifyFailureCode; reason: string };

export const STANDARD_WEBHOOKS_TOLERANCE_SECONDS = 300;
const MAX_SIGNATURES = 32;

/** One entry point for every `webhook.auth` type. `now` is injected for replay windows. */
export function verifyWebhookAuth(
  auth: WebhookAuth,
  secrets: WebhookSecrets | undefined,
  request: WebhookRequest,
  now: Date | number,
): VerifyResult {
  if (auth.type === "none") return { ok: true };
  const candidates = secretList(secrets);
  if (candidates.length === 0) return fail("NO_SECRET", `credential "${auth.credential}" has no secret`);
  switch (auth.type) {
    case "header":
      return verifyHeaderToken(request.headers, auth.header, candidates);
    case "standard-webhooks":
      return verifyStandardWebhook(request, candidates, now, auth.toleranceSeconds);
    case "github":
      return verifyGithubSignature(request, candidates);
    case "hmac":
      return verifyHmacSignature(request, candidates, auth);
    default: {
      const unreachable: never = auth;
      return unreachable;
    }
  }
}

// --- Header token ----------------------------------------------------------------------

/**
 * The header must equal a secret. `Authorization: Bearer <secret>` is accepted too, since
 * that is how most senders carry a token. Values are hashed first so the comparison has
 * a fixed length and leaks neither content nor length.
 */
export function verifyHeaderToken(
  headers: WebhookRequest["headers"],
  header: string,
  secrets: readonly string[],
): VerifyResult {
  const value = requireHeader(headers, header);
  if (typeof value !== "string") return value;
  const presented = [value];
  const bearer = /^bearer\s+(.+)$/i.exec(value);
  if (bearer?.[1] !== undefined) presented.push(bearer[1]);
  let matched = false;
  for (const secret of secrets) {
    for (const candidate of presented) matched = safeEqual(sha256(candidate), sha256(secret)) || matched;
  }
  return matched ? { ok: true } : fail("SIGNATURE_MISMATCH", `header ${header} does not match the credential`);
}

// --- Standard Webhooks (https://www.standardwebhooks.com) -------------------------------

/** The `webhook-signature` entry for a payload: `v1,<base64 HMAC-SHA256>`. */
export function signStandardWebhook(secret: string, id: string, timestamp: number | string, body: Uint8Array | string): string {
  const key = standardWebhookKeys(secret)[0];
  if (key === undefined) throw new Error("Standard Webhooks secret is not valid whsec_<base64>");
  return `v1,${standardWebhookDigest(key, id, String(timestamp), toBytes(body)).toString("base64")}`;
}

export function verifyStandardWebhook(
  request: WebhookRequest,
  secrets: readonly string[],
  now: Date | number,
  toleranceSeconds = STANDARD_WEBHOOKS_TOLERANCE_SECONDS,
): VerifyResult {
  const id = requireHeader(request.headers, "webhook-id");
  if (typeof id !== "string") return id;
  const timestamp = requireHeader(request.headers, "webhook-timestamp");
  if (typeof timestamp !== "string") return timestamp;
  const signature = requireHeader(request.headers, "webhook-signature");
  if (typeof signature !== "string") return signature;
  if (!/^\d{1,15}$/.test(timestamp)) return fail("MALFORMED_HEADER", "webhook-timestamp is not whole Unix seconds");
  const nowSeconds = Math.floor((typeof now === "number" ? now : now.getTime()) / 1000);
  const skew = Number(timestamp) - nowSeconds;
  if (skew < -toleranceSeconds) return fail("TIMESTAMP_OUT_OF_RANGE", `webhook-timestamp is ${-skew}s old (tolerance ${toleranceSeconds}s)`);
  if (skew > toleranceSeconds) return fail("TIMESTAMP_OUT_OF_RANGE", `webhook-timestamp is ${skew}s in the future (tolerance ${toleranceSeconds}s)`);

  // Space-separated "<version>,<base64>" entries; only v1 (HMAC-SHA256) is symmetric.
  const presented: Buffer[] = [];
  for (const entry of signature.trim().split(/\s+/).slice(0, MAX_SIGNATURES)) {
    const comma = entry.indexOf(",");
    if (comma < 0 || entry.slice(0, comma) !== "v1") continue;
    const bytes = decodeBase64(entry.slice(comma + 1));
    if (bytes !== undefined) presented.push(bytes);
  }
  if (presented.length === 0) return fail("MALFORMED_HEADER", "webhook-signature has no v1 signature");

  const keys = secrets.flatMap(standardWebhookKeys);
  if (keys.length === 0) return fail("NO_SECRET", "credential secret is not a valid Standard Webhooks secret");
  const body = request.rawBody;
  const expected = keys.map((key) => standardWebhookDigest(key, id, timestamp, body));
  return anyMatch(presented, expected)
    ? { ok: true }
    : fail("SIGNATURE_MISMATCH", "webhook-signature does not match the body");
}

/**
 * `whsec_<base64>` → the decoded bytes. Without the prefix the secret is used as raw
 * UTF-8 bytes; if it also happens to be valid base64 (as the reference libraries assume
 * for unprefixed secrets) the decoded bytes are tried too. Extra candidates only widen
 * what the sender may have meant; each still requires knowing the secret.
 */
function standardWebhookKeys(secret: string): Buffer[] {
  if (secret.startsWith("whsec_")) {
    const decoded = decodeBase64(secret.slice("whsec_".length));
    return decoded !== undefined && decoded.length > 0 ? [decoded] : [];
  }
  const keys: Buffer[] = [Buffer.from(secret, "utf8")];
  const decoded = decodeBase64(secret);
  if (decoded !== undefined && decoded.length >= 16) keys.push(decoded);
  return keys;
}

function standardWebhookDigest(key: Buffer, id: string, timestamp: string, body: Uint8Array): Buffer {
  return createHmac("sha256", key).update(`${id}.${timestamp}.`, "utf8").update(body).digest();
}

// --- GitHub ------------------------------------------------------------------------------

/** `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`. */
export function verifyGithubSignature(request: WebhookRequest, secrets: readonly string[]): VerifyResult {
  return verifyHmacSignature(request, secrets, {
    header: "x-hub-signature-256",
    algorithm: "sha256",
    encoding: "hex",
    prefix: "sha256=",
  });
}

// --- Generic HMAC --------------------------------------------------------------------------

export interface HmacOptions {
  header: string;
  algorithm: HmacAlgorithm;
  encoding: SignatureEncoding;
  prefix?: string | undefined;
}

export function signHmac(secret: string, body: Uint8Array | string, options: Omit<HmacOptions, "header">): string {
  const digest = createHmac(options.algorithm, secret).update(toBytes(body)).digest(options.encoding);
  return `${options.prefix ?? ""}${digest}`;
}

export function verifyHmacSignature(request: WebhookRequest, secrets: readonly string[], options: HmacOptions): VerifyResult {
  const raw = requireHeader(request.headers, options.header);
  if (typeof raw !== "string") return raw;
  let value = raw.trim();
  const prefix = options.prefix ?? "";
  if (prefix !== "") {
    if (value.slice(0, prefix.length).toLowerCase() !== prefix.toLowerCase()) {
      return fail("MALFORMED_HEADER", `header ${options.header} does not start with "${prefix}"`);
    }
    value = value.slice(prefix.length);
  }
  const presented = options.encoding === "hex" ? decodeHex(value) : decodeBase64(value);
  if (presented === undefined) return fail("MALFORMED_HEADER", `header ${options.header} is not ${options.encoding}`);
  const expected = secrets.map((secret) => createHmac(options.algorithm, secret).update(request.rawBody).digest());
  return anyMatch([presented], expected)
    ? { ok: true }
    : fail("SIGNATURE_MISMATCH", `header ${options.header} does not match the body`);
}

// --- helpers -----------------------------------------------------------------------------

function fail(code: VerifyFailureCode, reason: string): VerifyResult {
  return { ok: false, code, reason };
}

function secretList(secrets: WebhookSecrets | undefined): string[] {
  if (secrets === undefined) return [];
  return [secrets.secret, ...(secrets.previousSecrets ?? [])].filter((s) => typeof s === "string" && s.length > 0);
}

/** Case-insensitive lookup. `null` when the name occurs under several spellings. */
function getHeader(headers: WebhookRequest["headers"], name: string): string | undefined | null {
  const wanted = name.toLowerCase();
  let found: string | undefined;
  let count = 0;
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined || key.toLowerCase() !== wanted) continue;
    found = value;
    count++;
  }
  return count > 1 ? null : found;
}

/** A present, non-empty, single-valued header, or the failure to report. */
function requireHeader(headers: WebhookRequest["headers"], name: string): string | VerifyResult {
  const value = getHeader(headers, name);
  if (value === undefined || value === "") return fail("MISSING_HEADER", `missing header ${name}`);
  if (value === null) return fail("MALFORMED_HEADER", `header ${name} appears more than once`);
  return value;
}

/** Tries every pair without exiting early; only equal-length pairs are compared. */
function anyMatch(presented: readonly Buffer[], expected: readonly Buffer[]): boolean {
  let matched = false;
  for (const want of expected) {
    for (const got of presented) matched = safeEqual(got, want) || matched;
  }
  return matched;
}

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

function toBytes(body: Uint8Array | string): Uint8Array {
  return typeof body === "string" ? Buffer.from(body, "utf8") : body;
}

function decodeHex(text: string): Buffer | undefined {
  return /^(?:[0-9a-fA-F]{2})+$/.test(text) ? Buffer.from(text, "hex") : undefined;
}

/** Standard or url-safe alphabet, padding optional; anything else is rejected. */
function decodeBase64(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return undefined;
  const body = text.replace(/=+$/, "");
  if (body.length % 4 === 1) return undefined;
  return Buffer.from(body, "base64");
}
