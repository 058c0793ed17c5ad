import { flowInputSchema, type FlowInput } from "./flow.ts";
import { ERROR_PORT, type CatalogView } from "./catalog-view.ts";
import { nodesOnCycles } from "./graph.ts";
import { nodeSettingsSchema } from "./settings.ts";

export interface FlowProblem {
  nodeId?: string;
  edgeId?: string;
  field: string;
  message: string;
}

export type FlowValidation =
  | { ok: true; flow: FlowInput }
  | { ok: false; problems: FlowProblem[] };

/** Trigger identity used to detect clashes between active flows (method + path). */
export interface WebhookRoute {
  method: string;
  path: string;
}

export interface ValidateOptions {
  /** Webhook routes already taken by other active flows. */
  takenRoutes?: (route: WebhookRoute) => string | undefined;
}

function pathOf(issuePath: readonly PropertyKey[]): string {
  return issuePath.map(String).join(".");
}

/**
 * Checks a flow document and reports every problem at once, each with the node or edge
 * it belongs to and the field, so the editor can show them where they are.
 */
export function validateFlow(raw: unknown, catalog: CatalogView, options: ValidateOptions = {}): FlowValidation {
  const parsed = flowInputSchema.safeParse(raw);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((issue) => describeDocumentIssue(raw, issue.path, issue.message)),
    };
  }
  const flow = parsed.data;
  const problems: FlowProblem[] = [];
  const portsByNode = new Map<string, { inputs: readonly string[]; outputs: Set<string>; category: string }>();

  for (const node of flow.nodes) {
    if (portsByNode.has(node.id)) {
      problems.push({ nodeId: node.id, field: "id", message: `duplicate node id "${node.id}"` });
      continue;
    }
    const info = catalog(node.type);
    if (!info) {
      problems.push({ nodeId: node.id, field: "type", message: `unknown node type "${node.type}"` });
      continue;
    }
    const config = info.configSchema.safeParse(node.config);
    if (!config.success) {
      for (const issue of config.error.issues) {
        problems.push({ nodeId: node.id, field: pathOf(["config", ...issue.path]), message: issue.message });
      }
    }
    const settings = nodeSettingsSchema.safeParse(node.settings ?? {});
    if (!settings.success) {
      for (const issue of settings.error.issues) {
        problems.push({ nodeId: node.id, field: pathOf(["settings", ...issue.path]), message: issue.message });
      }
    }
    const outputs = new Set(config.success ? info.outputPorts(config.data as Record<string, unknown>) : []);
    if (settings.success && settings.data.onError === "continue") outputs.add(ERROR_PORT);
    portsByNode.set(node.id, { inputs: info.inputs, outputs, category: info.category });
  }

  const edgeIds = new Set<string>();
  for (const edge of flow.edges) {
    if (edgeIds.has(edge.id)) problems.push({ edgeId: edge.id, field: "id", message: `duplicate edge id "${edge.id}"` });
    edgeIds.add(edge.id);
    const source = portsByNode.get(edge.source);
    const target = portsByNode.get(edge.target);
    const sourceKnown = flow.nodes.some((n) => n.id === edge.source);
    const targetKnown = flow.nodes.some((n) => n.id === edge.target);
    if (!sourceKnown) problems.push({ edgeId: edge.id, field: "source", message: `edge source "${edge.source}" is not a node of this flow` });
    if (!targetKnown) problems.push({ edgeId: edge.id, field: "target", message: `edge target "${edge.target}" is not a node of this flow` });
    if (source && source.outputs.size > 0 && !source.outputs.has(edge.sourcePort)) {
      problems.push({
        edgeId: edge.id,
        nodeId: edge.source,
        field: "sourcePort",
        message: `node "${edge.source}" has no output port "${edge.sourcePort}" (ports: ${[...source.outputs].join(", ")})`,
      });
    }
    if (target && target.inputs.length === 0) {
      problems.push({ edgeId: edge.id, nodeId: edge.target, field: "target", message: `node "${edge.target}" is a trigger and takes no input` });
    } else if (target && !target.inputs.includes(edge.targetPort)) {
      problems.push({ edgeId: edge.id, nodeId: edge.target, field: "targetPort", message: `node "${edge.target}" has no input port "${edge.targetPort}"` });
    }
  }

  for (const nodeId of nodesOnCycles(flow)) {
    problems.push({ nodeId, field: "edges", message: "node is part of a cycle; flows must be acyclic" });
  }

  if (!flow.nodes.some((n) => catalog(n.type)?.category === "trigger")) {
    problems.push({ field: "nodes", message: "flow has no trigger node (webhook, schedule, manual, poll, ...)" });
  }

  if (flow.active) problems.push(...webhookClashes(flow, options));

  return problems.length === 0 ? { ok: true, flow } : { ok: false, problems };
}

function webhookClashes(flow: FlowInput, options: ValidateOptions): FlowProblem[] {
  const problems: FlowProblem[] = [];
  const seen = new Map<string, string>();
  for (const node of flow.nodes) {
    if (node.type !== "webhook") continue;
    const route = webhookRouteOf(node.config);
    if (!route) continue;
    const key = `${route.method} ${route.path}`;
    const clash = seen.get(key);
    if (clash) {
      problems.push({ nodeId: node.id, field: "config.path", message: `${key} is also used by node "${clash}" of this flow` });
    }
    seen.set(key, node.id);
    const other = options.takenRoutes?.(route);
    if (other) problems.push({ nodeId: node.id, field: "config.path", message: `${key} is already used by active flow ${other}` });
  }
  return problems;
}

/** Normalises a webhook node's route the way ingress matches it. */
export function webhookRouteOf(config: Record<string, unknown>): WebhookRoute | undefined {
  if (typeof config.path !== "string") return undefined;
  const method = typeof config.method === "string" ? config.method.toUpperCase() : "POST";
  return { method, path: normaliseHookPath(config.path) };
}

export function normaliseHookPath(path: string): string {
  return path
    .split("/")
    .filter((part) => part.length > 0)
    .map((part) => (part.startsWith(":") ? ":" : part))
    .join("/");
}

function describeDocumentIssue(raw: unknown, path: readonly PropertyKey[], message: string): FlowProblem {
  const [collection, index, ...rest] = path;
  if ((collection === "nodes" || collection === "edges") && typeof index === "number") {
    const items = (raw as Record<string, unknown>)?.[collection];
    const item = Array.isArray(items) ? (items[index] as Record<string, unknown> | undefined) : undefined;
    const itemId = typeof item?.id === "string" ? item.id : `#${index}`;
    const where = collection === "nodes" ? { nodeId: itemId } : { edgeId: itemId };
    return { ...where, field: pathOf(rest) || collection, message };
  }
  return { field: pathOf(path) || "(document)", message };
}
