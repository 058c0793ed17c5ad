import { normaliseHookPath, type FlowDocument } from "../model/index.ts";
import { webhookConfig, type WebhookConfig } from "../nodes/webhook.ts";

export interface WebhookRoute {
  /** The flow version this route belongs to (versions are immutable), so ingest reads no flow per request. */
  flow: FlowDocument;
  flowId: string;
  flowVersion: number;
  nodeId: string;
  method: string;
  segments: string[];
  config: WebhookConfig;
}

export type WebhookMatch =
  | { kind: "found"; route: WebhookRoute; params: Record<string, string> }
  | { kind: "wrong-method"; allowed: string[] }
  | { kind: "none" };

/** The routing table of active webhook triggers, rebuilt whenever a flow is saved or deleted. */
export class WebhookRouter {
  private routesByFlow = new Map<string, WebhookRoute[]>();
  private routes: WebhookRoute[] = [];

  setFlow(flow: FlowDocument): void {
    const routes: WebhookRoute[] = [];
    if (flow.active) {
      for (const node of flow.nodes) {
        if (node.type !== "webhook") continue;
        const parsed = webhookConfig.safeParse(node.config);
        if (!parsed.success) continue;
        routes.push({
          flow,
          flowId: flow.id,
          flowVersion: flow.version,
          nodeId: node.id,
          method: parsed.data.method,
          segments: splitPath(parsed.data.path),
          config: parsed.data,
        });
      }
    }
    if (routes.length > 0) this.routesByFlow.set(flow.id, routes);
    else this.routesByFlow.delete(flow.id);
    this.rebuild();
  }

  removeFlow(flowId: string): void {
    if (this.routesByFlow.delete(flowId)) this.rebuild();
  }

  /** Which active flow (other than `exceptFlowId`) already serves method + path. */
  ownerOf(method: string, path: string, exceptFlowId?: string): string | undefined {
    const key = normaliseHookPath(path);
    return this.routes.find((r) => r.flowId !== exceptFlowId && r.method === method && normaliseHookPath(r.segments.join("/")) === key)
      ?.flowId;
  }

  match(method: string, path: string): WebhookMatch {
    const segments = splitPath(path);
    const allowed = new Set<string>();
    for (const route of this.routes) {
      const params = matchSegments(route.segments, segments);
      if (!params) continue;
      if (route.method === method) return { kind: "found", route, params };
      allowed.add(route.method);
    }
    return allowed.size > 0 ? { kind: "wrong-method", allowed: [...allowed] } : { kind: "none" };
  }

  private rebuild(): void {
    // Static segments win over parameters: sort routes with fewer params first.
    this.routes = [...this.routesByFlow.values()]
      .flat()
      .sort((a, b) => paramCount(a.segments) - paramCount(b.segments));
  }
}

function splitPath(path: string): string[] {
  return path.split("/").filter((s) => s.length > 0);
}

function paramCount(segments: string[]): number {
  return segments.filter((s) => s.startsWith(":")).length;
}

function matchSegments(pattern: string[], actual: string[]): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const a = actual[i]!;
    if (p.startsWith(":")) {
      try {
        params[p.slice(1)] = decodeURIComponent(a);
      } catch {
        return undefined;
      }
    } else if (p !== a) return undefined;
  }
  return params;
}
