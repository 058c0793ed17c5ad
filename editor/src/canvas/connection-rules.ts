import { wouldCreateCycle, type FlowEdge, type FlowNode } from "../../../engine/model/index.ts";
import { inputPortsOf, outputPortsOf, type Catalog } from "../store/catalog.ts";

export interface ConnectionAttempt {
  source: string;
  sourcePort: string;
  target: string;
  targetPort: string;
}

export type ConnectionVerdict = { ok: true } | { ok: false; reason: string };

/**
 * The editor's connection rules, each with a reason a person can act on. The server
 * validates the same things on save; checking here keeps bad edges off the canvas.
 */
export function checkConnection(
  attempt: ConnectionAttempt,
  doc: { nodes: readonly FlowNode[]; edges: readonly FlowEdge[] },
  catalog: Catalog,
): ConnectionVerdict {
  const source = doc.nodes.find((n) => n.id === attempt.source);
  const target = doc.nodes.find((n) => n.id === attempt.target);
  if (!source || !target) return { ok: false, reason: "Both ends must be nodes of this flow." };
  if (source.id === target.id) return { ok: false, reason: "A node cannot connect to itself." };
  const targetType = catalog.get(target.type);
  const label = (n: FlowNode) => n.name || catalog.get(n.type)?.title || n.type;
  if (inputPortsOf(targetType).length === 0) {
    return { ok: false, reason: `${label(target)} is a trigger: it starts runs and takes no input.` };
  }
  if (!inputPortsOf(targetType).includes(attempt.targetPort)) {
    return { ok: false, reason: `${label(target)} has no input "${attempt.targetPort}".` };
  }
  if (!outputPortsOf(catalog.get(source.type), source).includes(attempt.sourcePort)) {
    return { ok: false, reason: `${label(source)} has no output "${attempt.sourcePort}".` };
  }
  const duplicate = doc.edges.some(
    (e) =>
      e.source === attempt.source &&
      e.sourcePort === attempt.sourcePort &&
      e.target === attempt.target &&
      e.targetPort === attempt.targetPort,
  );
  if (duplicate) return { ok: false, reason: "These ports are already connected." };
  if (wouldCreateCycle(doc.edges, attempt.source, attempt.target)) {
    return { ok: false, reason: `That would make a loop: ${label(target)} already leads to ${label(source)}.` };
  }
  return { ok: true };
}
