import { z } from "zod";
import { ERROR_PORT, NODE_CATEGORIES, type FlowNode } from "../../../engine/model/index.ts";

/** A JSON Schema object as the server sends it; read defensively by the form mapper. */
export type JsonSchema = { [key: string]: unknown };

export const nodeTypeSchema = z.object({
  type: z.string(),
  category: z.enum(NODE_CATEGORIES),
  title: z.string(),
  description: z.string().default(""),
  icon: z.string().optional(),
  keywords: z.array(z.string()).optional(),
  inputs: z.array(z.string()),
  outputs: z.array(z.string()),
  configSchema: z.record(z.string(), z.unknown()),
  defaults: z.record(z.string(), z.unknown()).optional(),
});
export type NodeType = z.infer<typeof nodeTypeSchema>;
export const catalogResponseSchema = z.object({ nodeTypes: z.array(nodeTypeSchema) });

export type Catalog = ReadonlyMap<string, NodeType>;

export function catalogFrom(types: readonly NodeType[]): Catalog {
  return new Map(types.map((t) => [t.type, t]));
}

/**
 * Output ports of a node. Types whose config holds `rules: [{ port }]` (switch) derive
 * their ports from it plus `default`; `onError: "continue"` adds the `error` port.
 */
export function outputPortsOf(type: NodeType | undefined, node: Pick<FlowNode, "config" | "settings">): string[] {
  let ports = type ? [...type.outputs] : ["out"];
  const rules = node.config.rules;
  if (type && hasRulesProperty(type) && Array.isArray(rules)) {
    const fromRules = rules
      .map((rule: unknown) => (rule && typeof rule === "object" ? (rule as { port?: unknown }).port : undefined))
      .filter((port): port is string => typeof port === "string" && port.length > 0);
    ports = [...new Set([...fromRules, "default"])];
  }
  const onError = (node.settings as { onError?: unknown } | undefined)?.onError;
  if (onError === "continue" && !ports.includes(ERROR_PORT)) ports.push(ERROR_PORT);
  return ports;
}

function hasRulesProperty(type: NodeType): boolean {
  const props = type.configSchema.properties;
  return !!props && typeof props === "object" && "rules" in props;
}

export function inputPortsOf(type: NodeType | undefined): string[] {
  return type ? [...type.inputs] : ["in"];
}

export const CATEGORY_LABELS: Record<NodeType["category"], string> = {
  trigger: "Triggers",
  logic: "Logic",
  action: "Actions",
};

/** Words that people type when they look for what a node does, beyond its own keywords. */
const EXTRA_KEYWORDS: Record<string, string[]> = {
  filter: ["if", "condition", "where", "only", "gate"],
  switch: ["route", "branch", "case", "if", "router"],
  dedupe: ["duplicate", "once", "unique", "idempotent"],
  transform: ["map", "set", "jsonata", "reshape"],
  http: ["request", "fetch", "api", "call", "rest"],
  webhook: ["http", "endpoint", "incoming", "hook"],
  schedule: ["cron", "timer", "every", "interval"],
  delay: ["wait", "sleep", "pause"],
  log: ["print", "debug", "console"],
  respond: ["reply", "response", "return"],
  code: ["javascript", "script", "function"],
  split: ["each", "array", "items", "loop"],
};

export function matchesSearch(type: NodeType, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (!q) return true;
  const haystack = [type.type, type.title, type.description, ...(type.keywords ?? []), ...(EXTRA_KEYWORDS[type.type] ?? [])]
    .join(" ")
    .toLowerCase();
  return q.split(/\s+/).every((word) => haystack.includes(word));
}

/** Ranks exact type/title hits above description matches, so Enter picks the obvious one. */
export function searchCatalog(types: readonly NodeType[], query: string): NodeType[] {
  const q = query.trim().toLowerCase();
  const hits = types.filter((t) => matchesSearch(t, q));
  const score = (t: NodeType) =>
    t.type === q || t.title.toLowerCase() === q ? 0 : t.title.toLowerCase().startsWith(q) ? 1 : 2;
  return q ? [...hits].sort((a, b) => score(a) - score(b)) : hits;
}
