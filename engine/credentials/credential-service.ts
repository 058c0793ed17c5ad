// Credentials (DESIGN §7, §10): stored encrypted with AES-256-GCM under the secret key, each
// blob bound to its credential id; handed out decrypted only inside the engine.
import { z } from "zod";
import { EngineError, notFound } from "../errors.ts";
import { StepFailure } from "../expr/index.ts";
import { newId } from "../ids.ts";
import type { FlowInput, FlowProblem } from "../model/index.ts";
import type { Catalog, CredentialValue } from "../nodes/index.ts";
import type { Clock } from "../runtime/clock.ts";
import { decryptSecret, encryptSecret, SecretDecryptError, type SecretKey } from "../security/credential-crypto.ts";
import type { CredentialInfo, Store } from "../store/types.ts";
import { CREDENTIAL_TYPES, credentialType } from "./credential-types.ts";
import { credentialReferences } from "./references.ts";

export interface ReadCredential extends CredentialValue {
  name: string;
  /** The strings to redact wherever this credential was used. */
  secrets: string[];
}

const nameField = z.string().trim().min(1).max(200);
const typeField = z.enum(CREDENTIAL_TYPES.map((t) => t.type) as [string, ...string[]]);
const createRequest = z.object({ name: nameField, type: typeField, data: z.unknown() });
const updateRequest = z
  .object({
    name: nameField.optional(),
    /** A credential keeps its type; sending it is allowed, changing it is not. */
    type: z.string().optional(),
    data: z.unknown().optional(),
    /** webhook-secret only: keep the current secrets as previousSecrets (zero-downtime rotation). */
    rotate: z.boolean().optional(),
  })
  .refine((u) => u.name !== undefined || u.data !== undefined, "send a new name and/or data");

/** `PUT { secret, previousSecrets }` is taken as `PUT { data: { secret, previousSecrets } }`. */
function asUpdate(raw: unknown): unknown {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return raw;
  const { rotate, ...rest } = raw as Record<string, unknown>;
  if ("data" in rest || "name" in rest || "type" in rest || Object.keys(rest).length === 0) return raw;
  return { data: rest, ...(rotate === undefined ? {} : { rotate }) };
}

const MAX_PREVIOUS_SECRETS = 16;

export class CredentialService {
  constructor(
    private readonly store: Store,
    private readonly catalog: Catalog,
    private readonly clock: Clock,
    private readonly key: SecretKey | undefined,
  ) {}

  async create(raw: unknown): Promise<CredentialInfo> {
    const input = parse(createRequest, raw, "credential");
    const data = parseData(input.type, input.data);
    const id = newId("cred", this.clock.now());
    return this.store.createCredential({ id, name: input.name, type: input.type, encrypted: this.encrypt(id, data), now: this.clock.now() });
  }

  list(): Promise<CredentialInfo[]> {
    return this.store.listCredentials();
  }

  async get(id: string): Promise<CredentialInfo> {
    const stored = await this.store.getCredential(id);
    if (!stored) throw notFound("credential", id);
    const { encrypted: _omitted, ...info } = stored;
    return info;
  }

  /** New name and/or data; `rotate` keeps a webhook secret's old values valid during the switch. */
  async update(id: string, raw: unknown): Promise<CredentialInfo> {
    const request = parse(updateRequest, asUpdate(raw), "credential update");
    const current = await this.read(id);
    if (!current) throw notFound("credential", id);
    if (request.type !== undefined && request.type !== current.type) {
      throw new EngineError("INVALID_REQUEST", `credential ${id} is a ${current.type}; its type cannot change (create a new credential)`);
    }
    let encrypted: string | undefined;
    if (request.data !== undefined) {
      let data = parseData(current.type, request.data);
      if (request.rotate) data = rotated(current, data);
      encrypted = this.encrypt(id, data);
    } else if (request.rotate) {
      throw new EngineError("INVALID_REQUEST", "rotate needs the new data");
    }
    const updated = await this.store.updateCredential(id, { name: request.name, encrypted, now: this.clock.now() });
    if (!updated) throw notFound("credential", id);
    return updated;
  }

  /** Refused (409) while an active flow references the credential. */
  async remove(id: string): Promise<void> {
    const users: { flowId: string; flowName: string; nodeId: string; field: string }[] = [];
    for (const flow of await this.store.listFlows()) {
      if (!flow.active) continue;
      for (const ref of credentialReferences(flow, this.catalog)) {
        if (ref.credentialId === id) users.push({ flowId: flow.id, flowName: flow.name, nodeId: ref.nodeId, field: ref.field });
      }
    }
    if (users.length > 0) {
      const first = users[0]!;
      throw new EngineError(
        "CREDENTIAL_IN_USE",
        `credential ${id} is used by active flow "${first.flowName}" (node ${first.nodeId}, ${first.field}); deactivate or change the flow first`,
        { users },
      );
    }
    if (!(await this.store.deleteCredential(id))) throw notFound("credential", id);
  }

  /** Decrypted, for the engine only (nodes via ctx.credentials, webhook verification). */
  async read(id: string): Promise<ReadCredential | undefined> {
    const stored = await this.store.getCredential(id);
    if (!stored) return undefined;
    let data: Record<string, unknown>;
    try {
      data = JSON.parse(decryptSecret(stored.encrypted, this.requireKey(), { associatedData: id })) as Record<string, unknown>;
    } catch (err) {
      if (!(err instanceof SecretDecryptError)) throw err;
      throw new StepFailure("CREDENTIAL_UNREADABLE", `credential ${id} cannot be decrypted: ${err.message}`, { permanent: true });
    }
    const type = credentialType(stored.type);
    return { id, name: stored.name, type: stored.type, data, secrets: type ? type.secrets(data) : stringsIn(data) };
  }

  /** Save-time check of a flow: every referenced credential exists and has a fitting type. */
  async problems(flow: Pick<FlowInput, "nodes">): Promise<FlowProblem[]> {
    const problems: FlowProblem[] = [];
    for (const ref of credentialReferences(flow, this.catalog)) {
      const stored = await this.store.getCredential(ref.credentialId);
      if (!stored) {
        problems.push({ nodeId: ref.nodeId, field: ref.field, message: `credential "${ref.credentialId}" does not exist` });
      } else if (ref.types.length > 0 && !ref.types.includes(stored.type)) {
        problems.push({
          nodeId: ref.nodeId,
          field: ref.field,
          message: `credential "${stored.name}" is a ${stored.type}; this field needs ${ref.types.join(" or ")}`,
        });
      }
    }
    return problems;
  }

  private encrypt(id: string, data: unknown): string {
    return encryptSecret(JSON.stringify(data), this.requireKey(), { associatedData: id });
  }

  private requireKey(): SecretKey {
    if (this.key === undefined) throw new EngineError("SECRET_KEY_MISSING", "credentials need a secret key (RUNNEL_SECRET_KEY)");
    return this.key;
  }
}

function parse<S extends z.ZodType>(schema: S, raw: unknown, what: string): z.output<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  throw invalid(what, result.error);
}

function parseData(type: string, raw: unknown): Record<string, unknown> {
  const result = credentialType(type)!.dataSchema.safeParse(raw);
  if (result.success) return result.data as Record<string, unknown>;
  throw invalid(`${type} data`, result.error, "data");
}

/** Zod messages name fields and rules, never the values, so no secret is echoed back. */
function invalid(what: string, error: z.ZodError, prefix?: string): EngineError {
  const problems = error.issues.map((issue) => ({
    field: [prefix, ...issue.path.map(String)].filter(Boolean).join(".") || what,
    message: issue.message,
  }));
  return new EngineError("INVALID_REQUEST", `invalid ${what}: ${problems.map((p) => `${p.field}: ${p.message}`).join("; ")}`, { problems });
}

function rotated(current: ReadCredential, next: Record<string, unknown>): Record<string, unknown> {
  if (current.type !== "webhook-secret") throw new EngineError("INVALID_REQUEST", "rotate applies to webhook-secret credentials");
  const old = current.data as { secret: string; previousSecrets?: string[] };
  const fresh = next as { secret: string; previousSecrets?: string[] };
  const previous = [...(fresh.previousSecrets ?? []), old.secret, ...(old.previousSecrets ?? [])];
  return { ...fresh, previousSecrets: [...new Set(previous)].filter((s) => s !== fresh.secret).slice(0, MAX_PREVIOUS_SECRETS) };
}

function stringsIn(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (value === null || typeof value !== "object") return [];
  return Object.values(value).flatMap(stringsIn);
}
