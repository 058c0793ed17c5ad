import type { FlowInput } from "../../engine/model/index.ts";

type NodeSpec = { id: string; type: string; config?: Record<string, unknown>; name?: string; settings?: Record<string, unknown> };

/** Builds a flow from nodes and `a->b` or `a:port->b` edge strings. */
export function flow(name: string, nodes: NodeSpec[], edges: string[], active = true): FlowInput {
  return {
    schemaVersion: 1,
    name,
    active,
    nodes: nodes.map((n, i) => ({ position: { x: i * 220, y: 0 }, config: {}, ...n })),
    edges: edges.map((spec, i) => {
      const [from, target] = spec.split("->") as [string, string];
      const [source, sourcePort = "out"] = from.split(":") as [string, string?];
      return { id: `e${i + 1}`, source, sourcePort, target, targetPort: "in" };
    }),
  };
}
