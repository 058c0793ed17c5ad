import type { FlowEdge, FlowNode } from "../../../engine/model/index.ts";

/**
 * Advice that is not an error: a webhook in `respond` mode needs a `respond` node on some
 * path, otherwise callers only ever get the generic answer.
 */
export function flowHints(doc: { nodes: readonly FlowNode[]; edges: readonly FlowEdge[] }): { nodeId: string; text: string }[] {
  const hints: { nodeId: string; text: string }[] = [];
  for (const node of doc.nodes) {
    if (node.type !== "webhook" || node.config.respond !== "respond") continue;
    if (!reaches(doc.edges, node.id, (id) => doc.nodes.find((n) => n.id === id)?.type === "respond")) {
      hints.push({ nodeId: node.id, text: "This webhook waits for a Respond node, but none follows it: callers will get a generic reply." });
    }
  }
  return hints;
}

function reaches(edges: readonly FlowEdge[], from: string, goal: (id: string) => boolean): boolean {
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    if (id !== from && goal(id)) return true;
    for (const e of edges) if (e.source === id) stack.push(e.target);
  }
  return false;
}
