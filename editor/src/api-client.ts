import { z } from "zod";
import {
  flowDocumentSchema,
  type FlowDocument,
  type FlowInput,
  type FlowProblem,
} from "../../engine/model/index.ts";
import { catalogResponseSchema, type NodeType } from "./store/catalog.ts";

/** Typed wrappers around the HTTP API; every response is parsed before it is used. */

const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string().default(""),
    details: z.unknown().optional(),
    current: z.unknown().optional(),
  }),
});

const problemSchema = z.object({
  nodeId: z.string().optional(),
  edgeId: z.string().optional(),
  field: z.string().default(""),
  message: z.string(),
});

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: z.infer<typeof errorBodySchema> | undefined,
  ) {
    super(message || `${status} ${code}`);
  }

  /** Problems of an INVALID_FLOW answer, one per node/edge/field. */
  get problems(): FlowProblem[] {
    const details = this.body?.error.details;
    const list = z.object({ problems: z.array(problemSchema) }).safeParse(details);
    return list.success ? list.data.problems : [];
  }

  /** The stored document of a VERSION_CONFLICT answer. */
  get current(): FlowDocument | undefined {
    const error = this.body?.error;
    const raw = error?.current ?? (error?.details as { current?: unknown } | undefined)?.current;
    const parsed = flowDocumentSchema.safeParse(raw);
    return parsed.success ? parsed.data : undefined;
  }
}

export async function request<T>(schema: z.ZodType<T>, path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  if (init.body !== undefined) headers.set("content-type", "application/json");
  const res = await fetch(path, { ...init, headers });
  const text = await res.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (res.status === 401 && typeof window !== "undefined") {
    // With RUNNEL_API_TOKEN set the editor needs a session; the server's login page makes one.
    window.location.assign("/login");
  }
  if (!res.ok) {
    const parsed = errorBodySchema.safeParse(body);
    const code = parsed.success ? parsed.data.error.code : `HTTP_${res.status}`;
    const message = parsed.success ? parsed.data.error.message : text.slice(0, 200) || res.statusText;
    throw new ApiError(res.status, code, message, parsed.success ? parsed.data : undefined);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ApiError(res.status, "BAD_RESPONSE", `unexpected response from ${path}`, undefined);
  return parsed.data;
}

const json = (value: unknown): string => JSON.stringify(value);

export async function fetchNodeTypes(): Promise<NodeType[]> {
  return (await request(catalogResponseSchema, "/api/node-types")).nodeTypes;
}

export async function listFlows(): Promise<FlowDocument[]> {
  return (await request(z.object({ flows: z.array(flowDocumentSchema) }), "/api/flows")).flows;
}

export function getFlow(id: string): Promise<FlowDocument> {
  return request(flowDocumentSchema, `/api/flows/${encodeURIComponent(id)}`);
}

export function createFlow(flow: FlowInput): Promise<FlowDocument> {
  return request(flowDocumentSchema, "/api/flows", { method: "POST", body: json(flow) });
}

export function saveFlow(id: string, flow: FlowInput & { version: number }): Promise<FlowDocument> {
  return request(flowDocumentSchema, `/api/flows/${encodeURIComponent(id)}`, { method: "PUT", body: json(flow) });
}

export async function deleteFlow(id: string): Promise<void> {
  await request(z.unknown(), `/api/flows/${encodeURIComponent(id)}`, { method: "DELETE" });
}

export async function runFlow(id: string, payload: unknown): Promise<string> {
  const body = await request(z.object({ runId: z.string() }), `/api/flows/${encodeURIComponent(id)}/run`, {
    method: "POST",
    body: json({ payload }),
  });
  return body.runId;
}

// Credentials: names, types and ids only ever come back; data is sent, never received.
const credentialSchema = z.object({ id: z.string(), name: z.string(), type: z.string(), createdAt: z.string(), updatedAt: z.string().optional() });
export type CredentialInfo = z.infer<typeof credentialSchema>;
const credentialTypeSchema = z.object({ type: z.string(), title: z.string(), dataSchema: z.record(z.string(), z.unknown()) });
export type CredentialTypeInfo = z.infer<typeof credentialTypeSchema>;

export async function listCredentials(): Promise<CredentialInfo[]> {
  return (await request(z.object({ credentials: z.array(credentialSchema) }), "/api/credentials")).credentials;
}

export async function listCredentialTypes(): Promise<CredentialTypeInfo[]> {
  return (await request(z.object({ credentialTypes: z.array(credentialTypeSchema) }), "/api/credential-types")).credentialTypes;
}

export async function createCredential(input: { name: string; type: string; data: Record<string, unknown> }): Promise<string> {
  return (await request(z.object({ id: z.string() }), "/api/credentials", { method: "POST", body: json(input) })).id;
}

export async function deleteCredential(id: string): Promise<void> {
  await request(z.unknown(), `/api/credentials/${encodeURIComponent(id)}`, { method: "DELETE" });
}

export function webhookUrl(origin: string, path: string): string {
  return `${origin}/hooks/${path.replace(/^\/+/, "")}`;
}
