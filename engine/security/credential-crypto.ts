// Credentials at rest: AES-256-GCM with a key from RUNNEL_SECRET_KEY (DESIGN §7).
//
// Blob format (one ASCII line, safe to store in a TEXT column):
//   v1:<iv base64>:<tag base64>:<ciphertext base64>
// The version prefix lets a later format (another cipher, a key id for key rotation) be
// introduced without guessing. The prefix is also bound into the GCM additional data, so a
// blob cannot be relabelled as another version. Callers may bind extra context (e.g. the
// credential id) through `associatedData`, which stops a ciphertext being copied onto a
// different credential row and still decrypting.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const VERSION = "v1";
const KEY_BYTES = 32;
const IV_BYTES = 12; // the GCM-recommended nonce size; random per encryption
const TAG_BYTES = 16;
const AAD_PREFIX = "runnel-credential:v1";

export type SecretKey = Buffer;

export class SecretKeyError extends Error {
  readonly code = "SECRET_KEY_INVALID";
  override name = "SecretKeyError";
}

export class SecretDecryptError extends Error {
  readonly code = "SECRET_DECRYPT_FAILED";
  override name = "SecretDecryptError";
}

const HEX_KEY = /^[0-9a-fA-F]{64}$/;
// 32 bytes → 43 base64 chars + one "=" of padding; url-safe alphabet accepted as well.
const BASE64_KEY = /^[A-Za-z0-9+/]{43}=?$/;
const BASE64URL_KEY = /^[A-Za-z0-9_-]{43}=?$/;

/**
 * Parses RUNNEL_SECRET_KEY: 32 bytes as base64 (44 chars, or 43 without padding,
 * standard or url-safe alphabet) or as 64 hex digits. The error never echoes the value,
 * since a near-miss is probably a real secret.
 */
export function parseSecretKey(text: string): SecretKey {
  const trimmed = text.trim();
  if (HEX_KEY.test(trimmed)) return Buffer.from(trimmed, "hex");
  if (BASE64_KEY.test(trimmed) || BASE64URL_KEY.test(trimmed)) {
    const key = Buffer.from(trimmed, BASE64_KEY.test(trimmed) ? "base64" : "base64url");
    if (key.length === KEY_BYTES) return key;
  }
  throw new SecretKeyError(
    `RUNNEL_SECRET_KEY must be ${KEY_BYTES} random bytes encoded as base64 (44 characters) ` +
      `or hex (64 characters); got ${trimmed.length === 0 ? "an empty value" : `${trimmed.length} characters`}. ` +
      `Generate one with: node -e "console.log(require('crypto').randomBytes(32).toString('base64'))"`,
  );
}

/** A fresh key, base64-encoded, suitable as the value of RUNNEL_SECRET_KEY. */
export function generateSecretKey(): string {
  return randomBytes(KEY_BYTES).toString("base64");
}

export interface CryptoOptions {
  /** Extra authenticated context, e.g. the credential id. Must match on decrypt. */
  associatedData?: string;
}

/** Encrypts a plaintext string (normally JSON.stringify of the credential data). */
export function encryptSecret(plaintextJson: string, key: SecretKey, options: CryptoOptions = {}): string {
  assertKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(options));
  const ciphertext = Buffer.concat([cipher.update(plaintextJson, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, iv.toString("base64"), tag.toString("base64"), ciphertext.toString("base64")].join(":");
}

/**
 * Decrypts a blob from encryptSecret. Any tampering (iv, tag, ciphertext, version,
 * associated data) or a wrong key throws SecretDecryptError without detail about which.
 */
export function decryptSecret(blob: string, key: SecretKey, options: CryptoOptions = {}): string {
  assertKey(key);
  const parts = blob.split(":");
  if (parts.length !== 4) throw new SecretDecryptError("Encrypted secret is malformed (expected v1:iv:tag:ciphertext)");
  const [version, ivText, tagText, ctText] = parts as [string, string, string, string];
  if (version !== VERSION) throw new SecretDecryptError(`Encrypted secret has unsupported format version "${version.slice(0, 16)}"`);
  const iv = strictBase64(ivText);
  const tag = strictBase64(tagText);
  const ciphertext = strictBase64(ctText);
  if (iv?.length !== IV_BYTES || tag?.length !== TAG_BYTES || ciphertext === undefined) {
    throw new SecretDecryptError("Encrypted secret is malformed (bad iv, tag or ciphertext encoding)");
  }
  const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad(options));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8");
  } catch {
    throw new SecretDecryptError("Encrypted secret failed authentication: wrong RUNNEL_SECRET_KEY or tampered data");
  }
}

function assertKey(key: SecretKey): void {
  if (!(key instanceof Uint8Array) || key.length !== KEY_BYTES) {
    throw new SecretKeyError(`Secret key must be ${KEY_BYTES} bytes; use parseSecretKey(RUNNEL_SECRET_KEY)`);
  }
}

function aad(options: CryptoOptions): Buffer {
  return Buffer.from(`${AAD_PREFIX}\u0000${options.associatedData ?? ""}`, "utf8");
}

function strictBase64(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  return Buffer.from(text, "base64");
}

// ---------------------------------------------------------------------------
// Redaction for run logs (DESIGN §7: credentials are redacted from run logs).

export const REDACTED = "[redacted]";

/**
 * Returns a deep copy of `value` with every occurrence of any secret replaced by
 * "[redacted]" in strings and object keys. Besides the raw secret it also replaces its
 * URL-encoded and JSON-escaped spellings, the forms a secret typically takes once it is
 * interpolated into a query string or a serialised body. Empty secrets are ignored
 * (they would match everywhere). Non-JSON leaves (numbers, booleans, null, undefined)
 * are returned unchanged; cycles are cut with "[circular]".
 */
export function redactSecrets<T>(value: T, secrets: readonly string[]): T {
  const needles = redactionNeedles(secrets);
  if (needles.length === 0) return value;
  return redactValue(value, needles, new WeakSet()) as T;
}

function redactionNeedles(secrets: readonly string[]): string[] {
  const set = new Set<string>();
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    set.add(secret);
    set.add(encodeURIComponent(secret));
    set.add(JSON.stringify(secret).slice(1, -1));
  }
  // Longest first, so a secret that contains another is replaced as a whole.
  return [...set].sort((a, b) => b.length - a.length);
}

function redactString(text: string, needles: readonly string[]): string {
  let out = text;
  for (const needle of needles) if (out.includes(needle)) out = out.split(needle).join(REDACTED);
  return out;
}

function redactValue(value: unknown, needles: readonly string[], seen: WeakSet<object>): unknown {
  if (typeof value === "string") return redactString(value, needles);
  if (value === null || typeof value !== "object") return value;
  if (seen.has(value)) return "[circular]";
  seen.add(value);
  let result: unknown;
  if (Array.isArray(value)) {
    result = value.map((item) => redactValue(item, needles, seen));
  } else {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      // defineProperty, not assignment: a "__proto__" key stays an own data property.
      Object.defineProperty(out, redactString(key, needles), {
        value: redactValue(item, needles, seen),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    result = out;
  }
  seen.delete(value);
  return result;
}
