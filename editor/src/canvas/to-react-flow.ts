import type { Edge, Node } from "@xyflow/react";
import type { FlowProblem } from "../../../engine/model/index.ts";
import { inputPortsOf, outputPortsOf } from "../store/catalog.ts";
import { iconName } from "../panels/Icon.tsx";
import { flowHints } from "../panels/flow-hints.ts";
import { estimateGeometry } from "./node-geometry.ts";

function unmeasured(inputs: readonly string[], outputs: readonly string[]) {
  const g = estimateGeometry(inputs, outputs);
  return { initialWidth: g.width, initialHeight: g.height, handles: g.handles };
}
import type { EditorState } from "../store/editor-store.ts";
import { edgeTaken, type NodeOutcome } from "../store/run-overlay.ts";

/**
 * React Flow objects are derived from the store, never persisted. Derivation is cached
 * per entity so an edit to one node hands React Flow one new object, and every other
 * node keeps its identity and skips rendering; when no entity changed, the array itself
 * keeps its identity too, so React Flow does not re-adopt 1,000 nodes or re-index 1,200 edges.
 *
 * Measurements are not an input of a node's identity: React Flow measures a node as it
 * first appears (panning brings new ones on screen every few frames) and keeps that
 * measurement on its internal node for as long as we hand it the same object. Re-deriving
 * on each measurement would re-render the whole canvas in the middle of a pan. A node that
 * is rebuilt for another reason picks up its latest measurement (`measuredOf`).
 */
export interface RunnelNodeData extends Record<string, unknown> {
  typeName: string;
  title: string;
  subtitle: string;
  icon: string;
  category: string;
  inputs: readonly string[];
  outputs: readonly string[];
  problems: readonly string[];
  outcome: NodeOutcome | null;
  /** Output ports that already have an edge (to draw them filled). */
  connected: string;
  /** Advice that is not an error (e.g. a respond-mode webhook with no respond node). */
  hint: string;
}
export interface NoteData extends Record<string, unknown> {
  noteId: string;
  text: string;
}
export type RunnelNode = Node<RunnelNodeData, "runnel">;
export type NoteNode = Node<NoteData, "note">;
export type CanvasNode = RunnelNode | NoteNode;

export const NOTE_PREFIX = "note:";
const NO_PROBLEMS: readonly string[] = [];

function groupProblems(problems: readonly FlowProblem[]): Map<string, string[]> {
  const byNode = new Map<string, string[]>();
  for (const p of problems) {
    if (!p.nodeId) continue;
    const list = byNode.get(p.nodeId) ?? [];
    list.push(p.field ? `${p.field}: ${p.message}` : p.message);
    byNode.set(p.nodeId, list);
  }
  return byNode;
}

/** Per node, its output ports that have an edge, as a stable string ("out,rejected"). */
function connectedPortsOf(edges: readonly { source: string; sourcePort: string }[]): Map<string, string> {
  const sets = new Map<string, Set<string>>();
  for (const e of edges) {
    let ports = sets.get(e.source);
    if (!ports) sets.set(e.source, (ports = new Set()));
    ports.add(e.sourcePort);
  }
  return new Map([...sets].map(([id, ports]) => [id, [...ports].sort().join(",")]));
}

type Cached<T> = { deps: readonly unknown[]; value: T };
const same = (a: readonly unknown[], b: readonly unknown[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Drops cache entries of deleted entities once they outnumber the live ones. */
function prune<T>(cache: Map<string, Cached<T>>, live: readonly { id: string }[]): void {
  if (cache.size <= live.length * 2 + 64) return;
  const keep = new Set(live.map((x) => x.id));
  for (const key of cache.keys()) if (!keep.has(key)) cache.delete(key);
}

/** The previous array when every element is the same object as before. */
function stable<T>(prev: readonly T[] | null, next: T[]): T[] {
  if (prev && prev.length === next.length && prev.every((x, i) => x === next[i])) return prev as T[];
  return next;
}

function memo<T>(cache: Map<string, Cached<T>>, key: string, deps: readonly unknown[], make: () => T): T {
  const hit = cache.get(key);
  if (hit && same(hit.deps, deps)) return hit.value;
  const value = make();
  cache.set(key, { deps, value });
  return value;
}

type Measured = EditorState["measured"];

export function createDeriver(measuredOf: () => Measured) {
  const nodeCache = new Map<string, Cached<CanvasNode>>();
  const edgeCache = new Map<string, Cached<Edge>>();
  let problemsRef: readonly FlowProblem[] | null = null;
  let problemsByNode = new Map<string, string[]>();
  let connectedFor: { edges: unknown; map: Map<string, string> } = { edges: null, map: new Map() };
  let hintsFor: { nodes: unknown; edges: unknown; map: Map<string, string> } = { nodes: null, edges: null, map: new Map() };
  let lastNodes: CanvasNode[] | null = null;
  let lastEdges: Edge[] | null = null;

  function nodes(s: Pick<EditorState, "doc" | "catalog" | "selection" | "problems" | "run">): CanvasNode[] {
    if (problemsRef !== s.problems) {
      problemsRef = s.problems;
      problemsByNode = groupProblems(s.problems);
    }
    if (hintsFor.nodes !== s.doc.nodes || hintsFor.edges !== s.doc.edges) {
      hintsFor = { nodes: s.doc.nodes, edges: s.doc.edges, map: new Map(flowHints(s.doc).map((h) => [h.nodeId, h.text])) };
    }
    if (connectedFor.edges !== s.doc.edges) connectedFor = { edges: s.doc.edges, map: connectedPortsOf(s.doc.edges) };
    const out: CanvasNode[] = [];
    for (const note of s.doc.notes ?? []) {
      const id = NOTE_PREFIX + note.id;
      const selected = s.selection.notes.has(note.id);
      out.push(
        memo(nodeCache, id, [note, selected], () => ({
          id, type: "note", position: note.position, selected, zIndex: -1,
          width: note.width ?? 220, height: note.height ?? 140,
          data: { noteId: note.id, text: note.text },
        })),
      );
    }
    for (const node of s.doc.nodes) {
      const type = s.catalog.get(node.type);
      const selected = s.selection.nodes.has(node.id);
      const problems = problemsByNode.get(node.id) ?? NO_PROBLEMS;
      const outcome = s.run ? (s.run.nodes[node.id] ?? "unreached") : null;
      const connected = connectedFor.map.get(node.id) ?? "";
      const hint = hintsFor.map.get(node.id) ?? "";
      out.push(
        memo(nodeCache, node.id, [node, type, selected, problems, outcome, connected, hint], () => {
          const measured = measuredOf()[node.id];
          return {
            id: node.id, type: "runnel", position: node.position, selected,
            ...(measured ? { measured } : unmeasured(inputPortsOf(type), outputPortsOf(type, node))),
            data: {
              typeName: node.type,
              title: node.name || type?.title || node.type,
              subtitle: node.name ? (type?.title ?? node.type) : "",
              icon: iconName(type?.icon, node.type, type?.category ?? ""),
              category: type?.category ?? "unknown",
              inputs: inputPortsOf(type),
              outputs: outputPortsOf(type, node),
              problems,
              outcome,
              connected,
              hint,
            },
          };
        }),
      );
    }
    prune(nodeCache, out);
    return (lastNodes = stable(lastNodes, out));
  }

  function edges(s: Pick<EditorState, "doc" | "selection" | "problems" | "run">): Edge[] {
    const bad = new Set(s.problems.map((p) => p.edgeId).filter(Boolean));
    prune(edgeCache, s.doc.edges);
    const out = s.doc.edges.map((edge) => {
      const selected = s.selection.edges.has(edge.id);
      const traversed = s.run ? edgeTaken(s.run, edge) : null;
      const problem = bad.has(edge.id);
      return memo(edgeCache, edge.id, [edge, selected, traversed, problem], () => ({
        id: edge.id, source: edge.source, sourceHandle: edge.sourcePort, target: edge.target, targetHandle: edge.targetPort,
        selected,
        className: [problem ? "edge-problem" : "", traversed === true ? "edge-traversed" : traversed === false ? "edge-idle" : ""].join(" ").trim(),
        animated: traversed === true,
      }));
    });
    return (lastEdges = stable(lastEdges, out));
  }

  return { nodes, edges };
}
