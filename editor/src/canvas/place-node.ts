import type { FlowNode } from "../../../engine/model/index.ts";
import { change, editorStore, select } from "../store/editor-store.ts";
import { addEdge, addNode } from "../store/doc-actions.ts";
import { outputPortsOf, type NodeType } from "../store/catalog.ts";
import { checkConnection } from "./connection-rules.ts";

const state = editorStore.getState;
const NODE_W = 200;
const NODE_H = 80;

/** Moves a proposed position down until it does not sit on another node. */
export function freeSpot(nodes: readonly FlowNode[], at: { x: number; y: number }): { x: number; y: number } {
  const p = { x: Math.round(at.x), y: Math.round(at.y) };
  for (let i = 0; i < 50; i++) {
    const hit = nodes.some((n) => Math.abs(n.position.x - p.x) < NODE_W - 20 && Math.abs(n.position.y - p.y) < NODE_H);
    if (!hit) return p;
    p.y += NODE_H + 20;
  }
  return p;
}

/**
 * Adds a node of `type` — connected from `from` when given — as one undo step, selects it
 * and asks the inspector to focus its first field.
 */
export function placeNode(type: NodeType, position: { x: number; y: number }, from?: { nodeId: string; port: string }): string {
  let newId = "";
  change((doc) => {
    const added = addNode(doc, type, freeSpot(doc.nodes, position));
    newId = added.id;
    if (!from) return added.doc;
    const attempt = { source: from.nodeId, sourcePort: from.port, target: added.id, targetPort: type.inputs[0] ?? "in" };
    return checkConnection(attempt, added.doc, state().catalog).ok ? addEdge(added.doc, attempt).doc : added.doc;
  });
  select({ nodes: new Set([newId]) });
  editorStore.setState({ picker: null, focusNodeId: newId, revealId: newId });
  return newId;
}

/**
 * When exactly one node is selected and the new node takes input, a palette click adds
 * the new node after it (right of it, connected from its first free output).
 */
export function continuationFrom(type: NodeType): { from: { nodeId: string; port: string }; position: { x: number; y: number } } | undefined {
  const s = state();
  if (s.selection.nodes.size !== 1 || type.inputs.length === 0) return undefined;
  const [id] = [...s.selection.nodes];
  const node = s.doc.nodes.find((n) => n.id === id);
  if (!node) return undefined;
  const ports = outputPortsOf(s.catalog.get(node.type), node);
  const used = new Set(s.doc.edges.filter((e) => e.source === node.id).map((e) => e.sourcePort));
  const port = ports.find((p) => !used.has(p));
  if (!port) return undefined;
  const width = s.measured[node.id]?.width ?? NODE_W;
  return { from: { nodeId: node.id, port }, position: { x: node.position.x + width + 80, y: node.position.y } };
}
