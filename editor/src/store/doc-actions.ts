import type { FlowEdge, FlowInput, FlowNode, StickyNote } from "../../../engine/model/index.ts";
import type { JsonSchema, NodeType } from "./catalog.ts";
import { newId } from "./ids.ts";

/** The document being edited: a flow input plus, once saved, the server's id and version. */
export type WorkingDoc = FlowInput & { id?: string; version?: number };

/** Pure document transforms used by the store; each keeps untouched entities identical. */

export function emptyDoc(name = "Untitled flow"): WorkingDoc {
  return { schemaVersion: 1, name, active: false, nodes: [], edges: [] };
}

/** Initial config: the catalog's defaults, else each property's schema default. */
export function initialConfig(type: NodeType): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  const props = type.configSchema.properties;
  if (props && typeof props === "object") {
    for (const [key, raw] of Object.entries(props as Record<string, JsonSchema>)) {
      if (raw && typeof raw === "object" && "default" in raw) config[key] = structuredClone(raw.default);
    }
  }
  Object.assign(config, structuredClone(type.defaults ?? {}));
  // A trigger listening on a URL path needs a unique one; propose it rather than make
  // the user invent it before the first save.
  const pathProp = (props as Record<string, JsonSchema> | undefined)?.path;
  if (type.category === "trigger" && pathProp && typeof pathProp === "object" && config.path === undefined) {
    config.path = `${type.type}-${Math.random().toString(36).slice(2, 7)}`;
  }
  return config;
}

export function addNode(doc: WorkingDoc, type: NodeType, position: { x: number; y: number }): { doc: WorkingDoc; id: string } {
  const id = newId("n_", new Set(doc.nodes.map((n) => n.id)));
  const node: FlowNode = { id, type: type.type, position, config: initialConfig(type) };
  return { doc: { ...doc, nodes: [...doc.nodes, node] }, id };
}

export function addEdge(doc: WorkingDoc, edge: Omit<FlowEdge, "id">): { doc: WorkingDoc; id: string } {
  const id = newId("e_", new Set(doc.edges.map((e) => e.id)));
  return { doc: { ...doc, edges: [...doc.edges, { id, ...edge }] }, id };
}

export function updateNode(doc: WorkingDoc, id: string, update: (node: FlowNode) => FlowNode): WorkingDoc {
  return { ...doc, nodes: doc.nodes.map((n) => (n.id === id ? update(n) : n)) };
}

export function moveNodes(doc: WorkingDoc, positions: ReadonlyMap<string, { x: number; y: number }>): WorkingDoc {
  if (positions.size === 0) return doc;
  return {
    ...doc,
    nodes: doc.nodes.map((n) => {
      const p = positions.get(n.id);
      return p && (p.x !== n.position.x || p.y !== n.position.y) ? { ...n, position: p } : n;
    }),
  };
}

/** Removes nodes (with their edges), edges and notes in one step. */
export function removeElements(
  doc: WorkingDoc,
  ids: { nodes?: Iterable<string>; edges?: Iterable<string>; notes?: Iterable<string> },
): WorkingDoc {
  const nodes = new Set(ids.nodes ?? []);
  const edges = new Set(ids.edges ?? []);
  const notes = new Set(ids.notes ?? []);
  const next: WorkingDoc = {
    ...doc,
    nodes: nodes.size ? doc.nodes.filter((n) => !nodes.has(n.id)) : doc.nodes,
    edges:
      nodes.size || edges.size
        ? doc.edges.filter((e) => !edges.has(e.id) && !nodes.has(e.source) && !nodes.has(e.target))
        : doc.edges,
  };
  if (doc.notes && notes.size) next.notes = doc.notes.filter((n) => !notes.has(n.id));
  return next;
}

/**
 * Drops edges whose source port no longer exists (e.g. a switch rule was removed).
 * `portsOf` returns undefined when it cannot know (type not in the catalog yet): keep those.
 */
export function pruneDanglingEdges(doc: WorkingDoc, portsOf: (node: FlowNode) => string[] | undefined): WorkingDoc {
  const ports = new Map(doc.nodes.map((n) => [n.id, portsOf(n)]).filter((e): e is [string, string[]] => e[1] !== undefined).map(([id, p]) => [id, new Set(p)]));
  const edges = doc.edges.filter((e) => ports.get(e.source)?.has(e.sourcePort) ?? true);
  return edges.length === doc.edges.length ? doc : { ...doc, edges };
}

export function addNote(doc: WorkingDoc, position: { x: number; y: number }): { doc: WorkingDoc; id: string } {
  const id = newId("note_", new Set((doc.notes ?? []).map((n) => n.id)));
  const note: StickyNote = { id, text: "", position, width: 220, height: 140 };
  return { doc: { ...doc, notes: [...(doc.notes ?? []), note] }, id };
}

export function updateNote(doc: WorkingDoc, id: string, update: (note: StickyNote) => StickyNote): WorkingDoc {
  if (!doc.notes) return doc;
  return { ...doc, notes: doc.notes.map((n) => (n.id === id ? update(n) : n)) };
}

/** Same content as far as saving is concerned; entity identity is preserved by edits. */
export function sameContent(a: WorkingDoc, b: WorkingDoc): boolean {
  const same = <T>(x: readonly T[] | undefined, y: readonly T[] | undefined) =>
    (x ?? []).length === (y ?? []).length && (x ?? []).every((item, i) => item === (y ?? [])[i]);
  return a.name === b.name && a.active === b.active && same(a.nodes, b.nodes) && same(a.edges, b.edges) && same(a.notes, b.notes);
}

/** The document as the API takes it on create (no id/version) or export. */
export function toFlowInput(doc: WorkingDoc): FlowInput {
  const { id: _id, version: _version, ...input } = doc;
  const rest = input as WorkingDoc & { createdAt?: string; updatedAt?: string };
  delete rest.createdAt;
  delete rest.updatedAt;
  return rest;
}
