import { outgoingIndex, resolveSettings, type FlowDocument, type FlowEdge, type FlowNode, type NodeSettings } from "../model/index.ts";
import { durationMs } from "../model/duration.ts";
import type { Catalog, NodeDefinition } from "../nodes/index.ts";

export interface CompiledNode {
  node: FlowNode;
  /** The node as its steps' context shows it (NodeContext.node), made once. */
  contextNode: { id: string; name?: string; type: string };
  def: NodeDefinition<unknown>;
  config: unknown;
  settings: NodeSettings;
  timeoutMs: number;
  backoffMs: number;
  maxBackoffMs: number;
}

/** A flow version prepared for execution: configs parsed once, edges indexed by port. */
export interface CompiledFlow {
  doc: FlowDocument;
  nodes: Map<string, CompiledNode>;
  nodeIdsByName: Map<string, string>;
  outgoing: Map<string, Map<string, FlowEdge[]>>;
}

export class FlowCompileError extends Error {
  readonly code = "INVALID_FLOW";
}

export function compileFlow(doc: FlowDocument, catalog: Catalog): CompiledFlow {
  const nodes = new Map<string, CompiledNode>();
  const nodeIdsByName = new Map<string, string>();
  for (const node of doc.nodes) {
    const def = catalog.get(node.type);
    if (!def) throw new FlowCompileError(`node ${node.id} has unknown type ${node.type}`);
    let config: unknown;
    try {
      config = def.parseConfig(node.config);
    } catch (err) {
      throw new FlowCompileError(`node ${node.id} has an invalid config: ${(err as Error).message}`);
    }
    const settings = resolveSettings(node.settings);
    nodes.set(node.id, {
      node,
      contextNode: Object.freeze({ id: node.id, name: node.name, type: node.type }),
      def,
      config,
      settings,
      timeoutMs: durationMs(settings.timeout),
      backoffMs: durationMs(settings.retry.backoff),
      maxBackoffMs: durationMs(settings.retry.maxBackoff),
    });
    if (node.name) nodeIdsByName.set(node.name, node.id);
  }
  return { doc, nodes, nodeIdsByName, outgoing: outgoingIndex(doc.edges) };
}

/** Compiled flows by id@version; versions are immutable, so entries never go stale. */
export class CompiledFlowCache {
  private readonly cache = new Map<string, CompiledFlow>();

  constructor(private readonly catalog: Catalog, private readonly max = 500) {}

  get(doc: FlowDocument): CompiledFlow {
    const key = `${doc.id}@${doc.version}`;
    let compiled = this.cache.get(key);
    if (!compiled) {
      compiled = compileFlow(doc, this.catalog);
      if (this.cache.size >= this.max) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, compiled);
    }
    return compiled;
  }

  lookup(flowId: string, version: number): CompiledFlow | undefined {
    return this.cache.get(`${flowId}@${version}`);
  }
}
