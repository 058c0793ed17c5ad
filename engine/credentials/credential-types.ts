// The kinds of credential Runnel stores, what their data looks like, which of its strings are
// secret (redacted from run logs), and how an HTTP request is authenticated with them.
import { z } from "zod";
import { webhookSecretDataSchema } from "../security/webhook-auth-schema.ts";

/** What `GET /api/credential-types` serves: the editor's create form is generated from `dataSchema`. */
export function describeCredentialTypes() {
  return CREDENTIAL_TYPES.map((t) => ({ type: t.type, title: t.title, dataSchema: z.toJSONSchema(t.dataSchema, { io: "input" }) }));
}

export interface CredentialType {
  type: string;
  title: string;
  dataSchema: z.ZodType;
  /** Every string whose appearance in a run log would leak the credential. */
  secrets(data: unknown): string[];
  /** Headers that authenticate an HTTP request, for types that can. */
  headers?: (data: unknown) => Record<string, string>;
}

interface Spec<S extends z.ZodType> {
  title: string;
  data: S;
  secrets(data: z.output<S>): string[];
  headers?: (data: z.output<S>) => Record<string, string>;
}

function define<S extends z.ZodType>(type: string, spec: Spec<S>): CredentialType {
  const parse = (data: unknown) => spec.data.parse(data);
  const headers = spec.headers;
  return {
    type,
    title: spec.title,
    dataSchema: spec.data,
    secrets: (data) => spec.secrets(parse(data)),
    ...(headers ? { headers: (data: unknown) => headers(parse(data)) } : {}),
  };
}

/** `format: "password"`: the editor draws a password input; the value is never shown again. */
const secretText = z.string().min(1).max(10_000).meta({ format: "password" });
const headerName = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "must be a valid HTTP header name");

const basic = (username: string, password: string) => Buffer.from(`${username}:${password}`, "utf8").toString("base64");

export const CREDENTIAL_TYPES: readonly CredentialType[] = [
  define("webhook-secret", {
    title: "Webhook secret (header token or signing key)",
    data: webhookSecretDataSchema,
    secrets: (d) => [d.secret, ...(d.previousSecrets ?? [])],
  }),
  define("bearer-token", {
    title: "Bearer token",
    data: z.object({ token: secretText }),
    secrets: (d) => [d.token],
    headers: (d) => ({ Authorization: `Bearer ${d.token}` }),
  }),
  define("basic-auth", {
    title: "Username and password (HTTP Basic)",
    data: z.object({ username: z.string().max(1_000).regex(/^[^:]*$/, "may not contain ':'"), password: secretText }),
    // The header carries the base64 form, which a server may echo back.
    secrets: (d) => [d.password, basic(d.username, d.password)],
    headers: (d) => ({ Authorization: `Basic ${basic(d.username, d.password)}` }),
  }),
  define("http-header", {
    title: "API key in a header",
    data: z.object({ header: headerName, value: secretText }),
    secrets: (d) => [d.value],
    headers: (d) => ({ [d.header]: d.value }),
  }),
];

const byType = new Map(CREDENTIAL_TYPES.map((t) => [t.type, t]));

export function credentialType(type: string): CredentialType | undefined {
  return byType.get(type);
}

/** Credential types whose data can authenticate an outgoing HTTP request. */
export const HTTP_AUTH_CREDENTIAL_TYPES = CREDENTIAL_TYPES.filter((t) => t.headers).map((t) => t.type);
