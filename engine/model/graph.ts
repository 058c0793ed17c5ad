import type { FlowDocument, FlowEdge } from "./flow.ts";

/** Edges grouped by `source` then `sourcePort`, for O(1) routing in the executor. */
export function outgoingIndex(edges: readonly FlowEdge[]): Map<string, Map<string, FlowEdge[]>> {
  const index = new Map<string, Map<string, FlowEdge[]>>();
  for (const edge of edges) {
    let byPort = index.get(edge.source);
    if (!byPort) index.set(edge.source, (byPort = new Map()));
    const list = byPort.get(edge.sourcePort);
    if (list) list.push(edge);
    else byPort.set(edge.sourcePort, [edge]);
  }
  return index;
}

/** Node ids that sit on a cycle, or an empty array for a DAG (Kahn's algorithm). */
export function nodesOnCycles(flow: Pick<FlowDocument, "nodes" | "edges">): string[] {
  const ids = new Set(flow.nodes.map((n) => n.id));
  const indegree = new Map<string, number>();
  const next = new Map<string, string[]>();
  for (const id of ids) {
    indegree.set(id, 0);
    next.set(id, []);
  }
  for (const edge of flow.edges) {
    if (!ids.has(edge.source) || !ids.has(edge.target)) continue;
    next.get(edge.source)!.push(edge.target);
    indegree.set(edge.target, indegree.get(edge.target)! + 1);
  }
  const ready = [...ids].filter((id) => indegree.get(id) === 0);
  while (ready.length > 0) {
    const id = ready.pop()!;
    indegree.delete(id);
    for (const target of next.get(id)!) {
      const left = indegree.get(target)! - 1;
      indegree.set(target, left);
      if (left === 0) ready.push(target);
    }
  }
  return [...indegree.keys()];
}

/** Would adding source → target close a cycle? (target already reaches source) */
export function wouldCreateCycle(
  edges: readonly Pick<FlowEdge, "source" | "target">[],
  source: string,
  target: string,
): boolean {
  if (source === target) return true;
  const seen = new Set<string>();
  const stack = [target];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (id === source) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const edge of edges) if (edge.source === id) stack.push(edge.target);
  }
  return false;
}
