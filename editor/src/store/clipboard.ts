import { z } from "zod";
import { flowEdgeSchema, flowNodeSchema, stickyNoteSchema } from "../../../engine/model/index.ts";
import type { EditableDoc } from "./doc-diff.ts";
import { newId } from "./ids.ts";

/**
 * Copy/paste travels as flow JSON on the system clipboard, so it works across flows,
 * tabs and into a text editor. The payload is a partial flow document.
 */
export const clipboardSchema = z.object({
  runnel: z.literal("flow-fragment"),
  nodes: z.array(flowNodeSchema),
  edges: z.array(flowEdgeSchema),
  notes: z.array(stickyNoteSchema).default([]),
});
export type Fragment = z.infer<typeof clipboardSchema>;

export function copyFragment(doc: EditableDoc, nodeIds: ReadonlySet<string>, noteIds: ReadonlySet<string>): Fragment {
  return {
    runnel: "flow-fragment",
    nodes: doc.nodes.filter((n) => nodeIds.has(n.id)),
    edges: doc.edges.filter((e) => nodeIds.has(e.source) && nodeIds.has(e.target)),
    notes: (doc.notes ?? []).filter((n) => noteIds.has(n.id)),
  };
}

export function parseFragment(text: string): Fragment | undefined {
  try {
    const parsed = clipboardSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

const OFFSET = 40;

/**
 * Adds a fragment to a document. Ids are kept when free (so cut + paste, or copy into an
 * empty flow, gives back the exact document) and renamed on a clash; a clashing paste is
 * also offset so the copy does not hide the original.
 */
export function pasteFragment<D extends EditableDoc>(doc: D, fragment: Fragment): { doc: D; nodeIds: string[]; noteIds: string[] } {
  const nodeIds = new Set(doc.nodes.map((n) => n.id));
  const edgeIds = new Set(doc.edges.map((e) => e.id));
  const noteIds = new Set((doc.notes ?? []).map((n) => n.id));
  const clash = fragment.nodes.some((n) => nodeIds.has(n.id)) || fragment.notes.some((n) => noteIds.has(n.id));
  const shift = clash ? OFFSET : 0;
  const rename = new Map<string, string>();
  const nodes = fragment.nodes.map((node) => {
    const id = nodeIds.has(node.id) ? newId("n_", nodeIds) : node.id;
    nodeIds.add(id);
    rename.set(node.id, id);
    return { ...node, id, position: { x: node.position.x + shift, y: node.position.y + shift } };
  });
  const edges = fragment.edges.map((edge) => {
    const id = edgeIds.has(edge.id) ? newId("e_", edgeIds) : edge.id;
    edgeIds.add(id);
    return { ...edge, id, source: rename.get(edge.source) ?? edge.source, target: rename.get(edge.target) ?? edge.target };
  });
  const notes = fragment.notes.map((note) => {
    const id = noteIds.has(note.id) ? newId("note_", noteIds) : note.id;
    noteIds.add(id);
    return { ...note, id, position: { x: note.position.x + shift, y: note.position.y + shift } };
  });
  const next: D = { ...doc, nodes: [...doc.nodes, ...nodes], edges: [...doc.edges, ...edges] };
  if (notes.length > 0) next.notes = [...(doc.notes ?? []), ...notes];
  return { doc: next, nodeIds: nodes.map((n) => n.id), noteIds: notes.map((n) => n.id) };
}
