import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  decryptSecret,
  encryptSecret,
  generateSecretKey,
  parseSecretKey,
  REDACTED,
  redactSecrets,
  SecretDecryptError,
  SecretKeyError,
} from "../../engine/security/credential-crypto.ts";

const key = parseSecretKey(generateSecretKey());
const data = JSON.stringify({ secret: "whsec_c2VjcmV0", previousSecrets: ["old-é-✓"] });

function flipChar(text: string, index: number): string {
  const c = text[index] === "A" ? "B" : "A";
  return text.slice(0, index) + c + text.slice(index + 1);
}

describe("parseSecretKey / generateSecretKey", () => {
  it("accepts generated base64 keys, hex keys and url-safe base64", () => {
    const raw = randomBytes(32);
    expect(parseSecretKey(raw.toString("base64")).equals(raw)).toBe(true);
    expect(parseSecretKey(raw.toString("hex")).equals(raw)).toBe(true);
    expect(parseSecretKey(raw.toString("hex").toUpperCase()).equals(raw)).toBe(true);
    expect(parseSecretKey(raw.toString("base64url")).equals(raw)).toBe(true);
    expect(parseSecretKey(`  ${raw.toString("base64")}\n`).equals(raw)).toBe(true);
    expect(parseSecretKey(generateSecretKey())).toHaveLength(32);
    expect(generateSecretKey()).not.toBe(generateSecretKey());
  });

  it.each([
    ["empty", ""],
    ["too short base64", randomBytes(16).toString("base64")],
    ["too long base64", randomBytes(48).toString("base64")],
    ["63 hex chars", randomBytes(32).toString("hex").slice(1)],
    ["passphrase", "correct horse battery staple"],
    ["non-alphabet", "!".repeat(44)],
  ])("rejects %s naming RUNNEL_SECRET_KEY without echoing it", (_label, text) => {
    let error: unknown;
    try {
      parseSecretKey(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SecretKeyError);
    const message = (error as Error).message;
    expect(message).toContain("RUNNEL_SECRET_KEY");
    if (text.length > 0) expect(message).not.toContain(text);
  });
});

describe("encryptSecret / decryptSecret", () => {
  it("round-trips unicode JSON with a versioned format and a fresh IV each time", () => {
    const a = encryptSecret(data, key);
    const b = encryptSecret(data, key);
    expect(a).toMatch(/^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(a.split(":")[1]).not.toBe(b.split(":")[1]);
    expect(Buffer.from(a.split(":")[1]!, "base64")).toHaveLength(12);
    expect(Buffer.from(a.split(":")[2]!, "base64")).toHaveLength(16);
    expect(a).not.toContain("whsec");
    expect(decryptSecret(a, key)).toBe(data);
    expect(decryptSecret(b, key)).toBe(data);
    expect(decryptSecret(encryptSecret("", key), key)).toBe("");
  });

  it("rejects a wrong key", () => {
    const blob = encryptSecret(data, key);
    expect(() => decryptSecret(blob, parseSecretKey(generateSecretKey()))).toThrow(SecretDecryptError);
  });

  it("detects tampering with iv, tag, ciphertext and version", () => {
    const blob = encryptSecret(data, key);
    const [v, iv, tag, ct] = blob.split(":") as [string, string, string, string];
    const tampered = [
      [v, flipChar(iv, 0), tag, ct],
      [v, iv, flipChar(tag, 0), ct],
      [v, iv, tag, flipChar(ct, 0)],
      [v, iv, tag, flipChar(ct, ct.length - 6)],
      ["v2", iv, tag, ct],
      [v, iv, tag],
      [v, iv, tag, ct, "x"],
      [v, iv, tag.slice(0, 8), ct],
      [v, "!!!!", tag, ct],
    ];
    for (const parts of tampered) {
      expect(() => decryptSecret(parts.join(":"), key), parts.join(":")).toThrow(SecretDecryptError);
    }
    // Flipping every byte position of the ciphertext, one at a time, is detected.
    const bytes = Buffer.from(ct, "base64");
    for (let i = 0; i < bytes.length; i++) {
      const copy = Buffer.from(bytes);
      copy[i] = copy[i]! ^ 0x01;
      expect(() => decryptSecret([v, iv, tag, copy.toString("base64")].join(":"), key)).toThrow(SecretDecryptError);
    }
  });

  it("binds associated data (a blob copied to another credential does not decrypt)", () => {
    const blob = encryptSecret(data, key, { associatedData: "cred_1" });
    expect(decryptSecret(blob, key, { associatedData: "cred_1" })).toBe(data);
    expect(() => decryptSecret(blob, key, { associatedData: "cred_2" })).toThrow(SecretDecryptError);
    expect(() => decryptSecret(blob, key)).toThrow(SecretDecryptError);
  });

  it("refuses a key of the wrong length", () => {
    expect(() => encryptSecret(data, randomBytes(16))).toThrow(SecretKeyError);
    expect(() => decryptSecret(encryptSecret(data, key), randomBytes(31))).toThrow(SecretKeyError);
  });
});

describe("redactSecrets", () => {
  const secrets = ["s3cr3t-token", "p@ss word/&"];

  it("replaces secrets deep in strings, arrays and keys, leaving other values alone", () => {
    const value = {
      headers: { authorization: "Bearer s3cr3t-token", "x-s3cr3t-token": "key-named" },
      list: ["a", "xs3cr3t-tokens3cr3t-tokeny", 42, true, null],
      nested: { deeper: [{ url: "https://h/?p=p%40ss%20word%2F%26" }] },
      json: JSON.stringify({ password: "p@ss word/&" }),
      n: 1.5,
    };
    const out = redactSecrets(value, secrets);
    expect(out).toEqual({
      headers: { authorization: `Bearer ${REDACTED}`, [`x-${REDACTED}`]: "key-named" },
      list: ["a", `x${REDACTED}${REDACTED}y`, 42, true, null],
      nested: { deeper: [{ url: `https://h/?p=${REDACTED}` }] },
      json: JSON.stringify({ password: REDACTED }),
      n: 1.5,
    });
    expect(JSON.stringify(out)).not.toContain("s3cr3t");
    // The input is not mutated.
    expect(value.headers.authorization).toBe("Bearer s3cr3t-token");
  });

  it("handles JSON-escaped secrets, overlapping secrets and plain strings", () => {
    const quoted = 'he said "hi"\\';
    expect(redactSecrets(JSON.stringify({ q: quoted }), [quoted])).toBe(JSON.stringify({ q: REDACTED }));
    expect(redactSecrets("abcdef", ["abc", "abcdef"])).toBe(REDACTED);
    expect(redactSecrets("nothing here", secrets)).toBe("nothing here");
    expect(redactSecrets(7, secrets)).toBe(7);
  });

  it("ignores empty secrets, keeps __proto__ keys as data and cuts cycles", () => {
    expect(redactSecrets({ a: "x" }, ["", ""])).toEqual({ a: "x" });
    const parsed = JSON.parse('{"__proto__": {"polluted": "s3cr3t-token"}}') as Record<string, unknown>;
    const out = redactSecrets(parsed, secrets) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(out, "__proto__")?.value).toEqual({ polluted: REDACTED });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const cyclic: Record<string, unknown> = { token: "s3cr3t-token" };
    cyclic.self = cyclic;
    expect(redactSecrets(cyclic, secrets)).toEqual({ token: REDACTED, self: "[circular]" });
    const shared = { token: "s3cr3t-token" };
    expect(redactSecrets([shared, shared], secrets)).toEqual([{ token: REDACTED }, { token: REDACTED }]);
  });
});
