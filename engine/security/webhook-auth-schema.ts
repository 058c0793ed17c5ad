// The `webhook.auth` config union (DESIGN §10) and the credential data it refers to.
// Kept free of node:* imports so engine/model and the editor can import it.
import { z } from "zod";
import { credentialField } from "../model/credential-field.ts";

/** An HTTP field name (RFC 9110 token), compared case-insensitively at runtime. */
const headerName = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "must be a valid HTTP header name");

/** Stored credential id (`POST /api/credentials` → `{ id }`); secrets are never inline. */
const credentialId = credentialField(["webhook-secret"], "the credential holding the shared secret");

export const hmacAlgorithmSchema = z.enum(["sha1", "sha256", "sha512"]);
export const signatureEncodingSchema = z.enum(["hex", "base64"]);

export const webhookAuthSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("none") }),
  z.object({ type: z.literal("header"), header: headerName, credential: credentialId }),
  z.object({
    type: z.literal("standard-webhooks"),
    credential: credentialId,
    /** Accepted clock skew either way for `webhook-timestamp`; the spec suggests 5 minutes. */
    toleranceSeconds: z.number().int().min(1).max(86_400).default(300),
  }),
  z.object({ type: z.literal("github"), credential: credentialId }),
  z.object({
    type: z.literal("hmac"),
    header: headerName,
    algorithm: hmacAlgorithmSchema.default("sha256"),
    encoding: signatureEncodingSchema.default("hex"),
    /** Text before the digest in the header value, e.g. "sha256=". */
    prefix: z.string().max(64).optional(),
    credential: credentialId,
  }),
]);

/** Parsed (defaults applied) form, which is what verification takes. */
export type WebhookAuth = z.output<typeof webhookAuthSchema>;
/** What a flow document may contain before defaults are applied. */
export type WebhookAuthInput = z.input<typeof webhookAuthSchema>;
export type HmacAlgorithm = z.output<typeof hmacAlgorithmSchema>;
export type SignatureEncoding = z.output<typeof signatureEncodingSchema>;

/** Credential `data` for webhook auth: the current secret plus older ones during rotation. */
export const webhookSecretDataSchema = z.object({
  secret: z.string().min(1).meta({ format: "password", description: "the shared secret (for Standard Webhooks: whsec_…)" }),
  previousSecrets: z.array(z.string().min(1)).max(16).optional(),
});
export type WebhookSecrets = z.output<typeof webhookSecretDataSchema>;
