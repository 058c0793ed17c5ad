// Where a flow references stored credentials: every config field whose JSON Schema carries
// `format: "credential"` (see engine/model/credential-field.ts), found generically so a new
// node type needs no code here.
import { z } from "zod";
import { CREDENTIAL_FORMAT, type FlowInput } from "../model/index.ts";
import type { Catalog, NodeDefinition } from "../nodes/index.ts";

export interface CredentialReference {
  nodeId: string;
  /** Dotted path as validation reports it, e.g. "config.auth.credential". */
  field: string;
  credentialId: string;
  /** Credential types that fit the field; empty = any. */
  types: readonly string[];
}

interface JsonSchema {
  $ref?: string;
  format?: string;
  credentialTypes?: string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $defs?: Record<string, JsonSchema>;
  definitions?: Record<string, JsonSchema>;
}

const schemas = new WeakMap<NodeDefinition<unknown>, JsonSchema>();

function schemaOf(def: NodeDefinition<unknown>): JsonSchema {
  let schema = schemas.get(def);
  if (!schema) {
    schema = z.toJSONSchema(def.configSchema, { io: "input", unrepresentable: "any" }) as JsonSchema;
    schemas.set(def, schema);
  }
  return schema;
}

/** Every credential a flow's nodes reference (unknown node types are validation's business). */
export function credentialReferences(flow: Pick<FlowInput, "nodes">, catalog: Catalog): CredentialReference[] {
  const refs: CredentialReference[] = [];
  for (const node of flow.nodes) {
    const def = catalog.get(node.type);
    if (!def) continue;
    const root = schemaOf(def);
    const found = new Map<string, CredentialReference>();
    collect(root, root, node.config, ["config"], (path, id, types) => {
      const field = path.join(".");
      found.set(`${field}\u0000${id}`, { nodeId: node.id, field, credentialId: id, types });
    }, 0);
    refs.push(...found.values());
  }
  return refs;
}

type Visit = (path: string[], id: string, types: readonly string[]) => void;

function collect(schema: JsonSchema, root: JsonSchema, value: unknown, path: string[], visit: Visit, depth: number): void {
  if (depth > 64) return;
  const target = schema.$ref ? resolveRef(root, schema.$ref) : schema;
  if (!target) return;
  if (target.format === CREDENTIAL_FORMAT && typeof value === "string" && value !== "") {
    visit(path, value, target.credentialTypes ?? []);
  }
  for (const branch of [...(target.anyOf ?? []), ...(target.oneOf ?? []), ...(target.allOf ?? [])]) {
    collect(branch, root, value, path, visit, depth + 1);
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      const itemSchema = target.prefixItems?.[index] ?? target.items;
      if (itemSchema) collect(itemSchema, root, item, [...path, String(index)], visit, depth + 1);
    });
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      const property = target.properties?.[key] ?? (typeof target.additionalProperties === "object" ? target.additionalProperties : undefined);
      if (property) collect(property, root, item, [...path, key], visit, depth + 1);
    }
  }
}

function resolveRef(root: JsonSchema, ref: string): JsonSchema | undefined {
  const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
  if (!match) return ref === "#" ? root : undefined;
  return root[match[1] as "$defs" | "definitions"]?.[decodeURIComponent(match[2]!)];
}
