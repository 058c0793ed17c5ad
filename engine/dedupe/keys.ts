import { createHash } from "node:crypto";

/** Keys longer than this are stored as their SHA-256, so a huge value cannot bloat the store. */
export const MAX_PLAIN_KEY_LENGTH = 512;

/** JSON with object keys sorted at every depth, so equal documents give equal text. */
export function canonicalJson(value: unknown): string {
  return (
    JSON.stringify(value, (_name, v: unknown) => {
      if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
      const sorted: Record<string, unknown> = {};
      for (const name of Object.keys(v).sort()) sorted[name] = (v as Record<string, unknown>)[name];
      return sorted;
    }) ?? "null"
  );
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The default key: SHA-256 of the canonical JSON of `msg.body`, or of the whole message when it has no body. */
export function bodyHashKey(msg: unknown): string {
  const hasBody = msg !== null && typeof msg === "object" && !Array.isArray(msg) && "body" in msg;
  return sha256Hex(canonicalJson(hasBody ? (msg as { body: unknown }).body : msg));
}

/**
 * A key expression's result as a stored key: strings as they are, numbers and booleans as text,
 * objects and arrays as canonical JSON. Nothing, null or "" → undefined (no usable key).
 */
export function keyFromValue(value: unknown): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const text = typeof value === "string" ? value : typeof value === "object" ? canonicalJson(value) : String(value);
  return text.length > MAX_PLAIN_KEY_LENGTH ? `sha256:${sha256Hex(text)}` : text;
}

export type ScopeSetting = "node" | "flow" | (string & {});

/**
 * The stored scope name an operator addresses: `node:<flowId>:<nodeId>` (the default),
 * `flow:<flowId>`, or `ns:<name>` for a namespace shared across flows.
 */
export function effectiveScope(setting: ScopeSetting, flowId: string, nodeId: string): string {
  if (setting === "node") return `node:${flowId}:${nodeId}`;
  if (setting === "flow") return `flow:${flowId}`;
  return `ns:${setting}`;
}
