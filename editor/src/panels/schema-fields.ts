import type { JsonSchema } from "../store/catalog.ts";

/** What the generated form draws for one property of a node's config schema. */
export type FieldKind =
  | "text"
  | "multiline"
  | "expression"
  | "template"
  | "duration"
  | "number"
  | "boolean"
  | "select"
  | "credential"
  | "secret"
  | "keyvalue"
  | "object"
  | "list"
  | "variant"
  | "json";

export interface FieldSpec {
  key: string;
  kind: FieldKind;
  label: string;
  required: boolean;
  description?: string;
  defaultValue?: unknown;
  options?: string[];
  /** Choice + free text (e.g. dedupe scope: node | flow | any namespace). */
  freeText?: boolean;
  integer?: boolean;
  minimum?: number;
  maximum?: number;
  /** Sub-fields of an object, or of each item of a list. */
  fields?: FieldSpec[];
  /** For `credential` fields: the credential types that fit (empty = any). */
  credentialTypes?: string[];
  /** Alternatives of a discriminated union, keyed by the discriminator's value. */
  variants?: { discriminator: string; cases: { value: string; fields: FieldSpec[] }[] };
}

const DURATION_KEYS = /^(timeout|backoff|maxBackoff|window|interval|duration)$/;
const MULTILINE_KEYS = /^(source|script|body|payload)$/;

function obj(value: unknown): JsonSchema | undefined {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as JsonSchema) : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && Math.abs(value) < Number.MAX_SAFE_INTEGER ? value : undefined;
}

export function humanize(key: string): string {
  const words = key.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/[_-]+/g, " ").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Fields for an object schema, in declaration order. */
export function fieldsOf(schema: JsonSchema | undefined): FieldSpec[] {
  const props = obj(schema?.properties);
  if (!props) return [];
  const required = new Set(Array.isArray(schema?.required) ? schema.required.filter((r) => typeof r === "string") : []);
  return Object.entries(props).map(([key, value]) => fieldOf(key, obj(value) ?? {}, required.has(key)));
}

export function fieldOf(key: string, schema: JsonSchema, required: boolean): FieldSpec {
  const base: FieldSpec = { key, kind: "json", label: str(schema.title) ?? humanize(key), required };
  const description = str(schema.description);
  if (description) base.description = description;
  if ("default" in schema) base.defaultValue = schema.default;
  return { ...base, ...kindOf(key, schema) };
}

function kindOf(key: string, schema: JsonSchema): Partial<FieldSpec> {
  const enumValues = Array.isArray(schema.enum) ? schema.enum.filter((v): v is string => typeof v === "string") : undefined;
  if (enumValues && enumValues.length > 0) return { kind: "select", options: enumValues };
  const union = Array.isArray(schema.anyOf) ? schema.anyOf : Array.isArray(schema.oneOf) ? schema.oneOf : undefined;
  if (union) return unionKind(key, union.map((s) => obj(s) ?? {}));
  const type = schema.type;
  if (type === "string") {
    const format = str(schema.format);
    if (format === "credential") {
      const types = Array.isArray(schema.credentialTypes) ? schema.credentialTypes.filter((t): t is string => typeof t === "string") : [];
      return { kind: "credential", credentialTypes: types };
    }
    if (format === "password") return { kind: "secret" };
    if (format === "jsonata") return { kind: "expression" };
    if (format === "template") return { kind: "template" };
    if (format === "duration" || DURATION_KEYS.test(key)) return { kind: "duration" };
    if (format === "javascript" || format === "code" || MULTILINE_KEYS.test(key)) return { kind: "multiline" };
    return { kind: "text" };
  }
  if (type === "number" || type === "integer") {
    const spec: Partial<FieldSpec> = { kind: "number", integer: type === "integer" };
    const min = num(schema.minimum);
    const max = num(schema.maximum);
    if (min !== undefined) spec.minimum = min;
    if (max !== undefined) spec.maximum = max;
    return spec;
  }
  if (type === "boolean") return { kind: "boolean" };
  if (type === "object") {
    const additional = obj(schema.additionalProperties);
    if (!obj(schema.properties) && additional?.type === "string") return { kind: "keyvalue" };
    if (obj(schema.properties)) return { kind: "object", fields: fieldsOf(schema) };
    return { kind: "json" };
  }
  if (type === "array") {
    const items = obj(schema.items);
    if (items?.type === "object" && obj(items.properties)) return { kind: "list", fields: fieldsOf(items) };
    return { kind: "json" };
  }
  return { kind: "json" };
}

function unionKind(key: string, members: JsonSchema[]): Partial<FieldSpec> {
  // enum-or-free-string (e.g. dedupe scope)
  const options = members.flatMap((m) => (Array.isArray(m.enum) ? m.enum.filter((v): v is string => typeof v === "string") : []));
  if (members.every((m) => m.type === "string")) {
    return options.length > 0 ? { kind: "select", options, freeText: true } : kindOf(key, members[0]!);
  }
  // discriminated union of objects: find a property that is a const in every member
  const first = obj(members[0]?.properties);
  const discriminator = first
    ? Object.keys(first).find((prop) => members.every((m) => str(obj(obj(m.properties)?.[prop])?.const) !== undefined))
    : undefined;
  if (discriminator) {
    const cases = members.map((m) => ({
      value: str(obj(obj(m.properties)?.[discriminator])?.const)!,
      fields: fieldsOf(m).filter((f) => f.key !== discriminator),
    }));
    return { kind: "variant", variants: { discriminator, cases } };
  }
  return { kind: "json" };
}

/** The problem messages that belong to one field path (e.g. `config.condition`). */
export function problemsFor(problems: readonly { field: string; message: string }[], path: string): string[] {
  return problems.filter((p) => p.field === path || p.field.startsWith(`${path}.`)).map((p) => p.message);
}
