import type { FlowEdge, FlowNode, StickyNote } from "../../../engine/model/index.ts";

/**
 * The part of a flow document a user edits on the canvas. Undo/redo works on diffs of
 * this shape (tldraw-style): a diff is a list of operations that can be replayed
 * backwards, so history stays small however large the flow is.
 */
export interface EditableDoc {
  name: string;
  nodes: FlowNode[];
  edges: FlowEdge[];
  notes?: StickyNote[];
}

export type Collection = "nodes" | "edges" | "notes";
type Item<C extends Collection> = C extends "nodes" ? FlowNode : C extends "edges" ? FlowEdge : StickyNote;

/** One entity inserted, removed or replaced at a known index; `undefined` = absent. */
export type DiffOp =
  | { kind: "item"; collection: Collection; id: string; index: number; before?: Item<Collection>; after?: Item<Collection> }
  | { kind: "name"; before: string; after: string }
  | { kind: "notes-present"; before: boolean; after: boolean };

export type Diff = readonly DiffOp[];

function itemsOf(doc: EditableDoc, collection: Collection): readonly Item<Collection>[] {
  return collection === "notes" ? (doc.notes ?? []) : doc[collection];
}

function withItems<D extends EditableDoc>(doc: D, collection: Collection, items: Item<Collection>[]): D {
  return { ...doc, [collection]: items };
}

/** Applies ops in order; each op's index refers to the collection as it is at that point. */
export function applyDiff<D extends EditableDoc>(doc: D, diff: Diff): D {
  let next = doc;
  for (const op of diff) {
    if (op.kind === "name") next = { ...next, name: op.after };
    else if (op.kind === "notes-present") {
      if (op.after && !next.notes) next = { ...next, notes: [] };
      if (!op.after) {
        const { notes: _dropped, ...rest } = next;
        next = rest as D;
      }
    } else {
      const items = [...itemsOf(next, op.collection)];
      const at = items.findIndex((item) => item.id === op.id);
      if (op.after === undefined) {
        if (at >= 0) items.splice(at, 1);
      } else if (op.before === undefined) {
        items.splice(Math.min(op.index, items.length), 0, op.after);
      } else if (at >= 0) {
        items[at] = op.after;
      }
      next = withItems(next, op.collection, items);
    }
  }
  return next;
}

export function invertDiff(diff: Diff): Diff {
  return [...diff].reverse().map((op): DiffOp => {
    if (op.kind === "item") return { ...op, before: op.after, after: op.before };
    return { ...op, before: op.after, after: op.before } as DiffOp;
  });
}

function collectionOps(prev: EditableDoc, next: EditableDoc, collection: Collection): DiffOp[] {
  const before = itemsOf(prev, collection);
  const after = itemsOf(next, collection);
  if (before === after) return [];
  const afterIds = new Map(after.map((item, index) => [item.id, index]));
  const beforeById = new Map(before.map((item) => [item.id, item]));
  const ops: DiffOp[] = [];
  // Removals from the back so each recorded index is valid when replayed in order.
  for (let index = before.length - 1; index >= 0; index--) {
    const item = before[index]!;
    if (!afterIds.has(item.id)) ops.push({ kind: "item", collection, id: item.id, index, before: item });
  }
  after.forEach((item, index) => {
    const old = beforeById.get(item.id);
    if (!old) ops.push({ kind: "item", collection, id: item.id, index, after: item });
    else if (old !== item) ops.push({ kind: "item", collection, id: item.id, index, before: old, after: item });
  });
  return ops;
}

/**
 * Diff between two documents. Unchanged entities are detected by identity, which store
 * actions preserve. If the ops cannot reproduce `next` exactly (a reordering), the
 * whole collection is swapped instead, so undo is always exact.
 */
export function diffDocs(prev: EditableDoc, next: EditableDoc): Diff {
  const ops: DiffOp[] = [];
  if (prev.name !== next.name) ops.push({ kind: "name", before: prev.name, after: next.name });
  const hadNotes = prev.notes !== undefined;
  const hasNotes = next.notes !== undefined;
  if (!hadNotes && hasNotes) ops.push({ kind: "notes-present", before: false, after: true });
  for (const collection of ["nodes", "edges", "notes"] as const) ops.push(...collectionOps(prev, next, collection));
  if (hadNotes && !hasNotes) ops.push({ kind: "notes-present", before: true, after: false });
  const replayed = applyDiff(prev, ops);
  for (const collection of ["nodes", "edges", "notes"] as const) {
    const got = itemsOf(replayed, collection);
    const want = itemsOf(next, collection);
    if (got.length !== want.length || got.some((item, i) => item !== want[i])) {
      return swapCollections(prev, next);
    }
  }
  return ops;
}

function swapCollections(prev: EditableDoc, next: EditableDoc): Diff {
  const ops: DiffOp[] = [];
  if (prev.name !== next.name) ops.push({ kind: "name", before: prev.name, after: next.name });
  for (const collection of ["nodes", "edges", "notes"] as const) {
    const before = itemsOf(prev, collection);
    for (let index = before.length - 1; index >= 0; index--) {
      ops.push({ kind: "item", collection, id: before[index]!.id, index, before: before[index] });
    }
  }
  if (prev.notes !== undefined && next.notes === undefined) ops.push({ kind: "notes-present", before: true, after: false });
  if (prev.notes === undefined && next.notes !== undefined) ops.push({ kind: "notes-present", before: false, after: true });
  for (const collection of ["nodes", "edges", "notes"] as const) {
    itemsOf(next, collection).forEach((item, index) => ops.push({ kind: "item", collection, id: item.id, index, after: item }));
  }
  return ops;
}

export function isEmptyDiff(diff: Diff): boolean {
  return diff.length === 0;
}
