import type { Connection, Edge, EdgeChange, NodeChange } from "@xyflow/react";
import { change, editorStore, notify, select, type Selection } from "../store/editor-store.ts";
import { addEdge, moveNodes, removeElements, updateNote } from "../store/doc-actions.ts";
import { checkConnection, type ConnectionAttempt } from "./connection-rules.ts";
import { NOTE_PREFIX, type CanvasNode } from "./to-react-flow.ts";

/** Translates React Flow's change objects into store edits (the canvas is only a view). */

const state = editorStore.getState;

export function onNodesChange(changes: NodeChange<CanvasNode>[]): void {
  const positions = new Map<string, { x: number; y: number }>();
  const notePositions = new Map<string, { x: number; y: number }>();
  let dragging = false;
  // Copied lazily and mutated locally: a flow of 1,000 nodes sends 1,000 changes at once.
  let nodesSel: Set<string> | null = null;
  let notesSel: Set<string> | null = null;
  let measured: Record<string, { width: number; height: number }> | null = null;
  let resize: { id: string; width: number; height: number; resizing: boolean } | undefined;
  const current = state();
  for (const c of changes) {
    if (c.type === "position") {
      if (c.position) {
        if (c.id.startsWith(NOTE_PREFIX)) notePositions.set(c.id.slice(NOTE_PREFIX.length), c.position);
        else positions.set(c.id, c.position);
      }
      dragging ||= c.dragging === true;
    } else if (c.type === "select") {
      if (c.id.startsWith(NOTE_PREFIX)) {
        notesSel ??= new Set(current.selection.notes);
        if (c.selected) notesSel.add(c.id.slice(NOTE_PREFIX.length));
        else notesSel.delete(c.id.slice(NOTE_PREFIX.length));
      } else {
        nodesSel ??= new Set(current.selection.nodes);
        if (c.selected) nodesSel.add(c.id);
        else nodesSel.delete(c.id);
      }
    } else if (c.type === "dimensions" && c.dimensions) {
      if (c.id.startsWith(NOTE_PREFIX)) {
        if (c.resizing !== undefined) resize = { id: c.id.slice(NOTE_PREFIX.length), ...c.dimensions, resizing: c.resizing };
      } else {
        const old = current.measured[c.id];
        if (!old || old.width !== c.dimensions.width || old.height !== c.dimensions.height) {
          measured ??= { ...current.measured };
          measured[c.id] = c.dimensions;
        }
      }
    }
  }
  // A measurement alone leaves the selection object as it was: the canvas re-derives on it.
  if (nodesSel || notesSel) {
    const selection: Selection = { ...current.selection, nodes: nodesSel ?? current.selection.nodes, notes: notesSel ?? current.selection.notes };
    editorStore.setState({ selection, measured: measured ?? current.measured });
  } else if (measured) {
    editorStore.setState({ measured });
  }
  const hasMoves = positions.size > 0 || notePositions.size > 0;
  if (hasMoves || changes.some((c) => c.type === "position")) {
    change(
      (doc) => {
        let next = moveNodes(doc, positions);
        for (const [id, p] of notePositions) next = updateNote(next, id, (n) => (n.position.x === p.x && n.position.y === p.y ? n : { ...n, position: p }));
        return next;
      },
      { transient: dragging },
    );
  }
  if (resize) {
    const r = resize;
    change((doc) => updateNote(doc, r.id, (n) => ({ ...n, width: Math.round(r.width), height: Math.round(r.height) })), { transient: r.resizing });
  }
}

export function onEdgesChange(changes: EdgeChange<Edge>[]): void {
  let edges: Set<string> | null = null;
  for (const c of changes) {
    if (c.type !== "select") continue;
    edges ??= new Set(state().selection.edges);
    if (c.selected) edges.add(c.id);
    else edges.delete(c.id);
  }
  if (edges) editorStore.setState({ selection: { ...state().selection, edges } });
}

export function onDelete({ nodes, edges }: { nodes: CanvasNode[]; edges: Edge[] }): void {
  const noteIds = nodes.filter((n) => n.id.startsWith(NOTE_PREFIX)).map((n) => n.id.slice(NOTE_PREFIX.length));
  const nodeIds = nodes.filter((n) => !n.id.startsWith(NOTE_PREFIX)).map((n) => n.id);
  change((doc) => removeElements(doc, { nodes: nodeIds, edges: edges.map((e) => e.id), notes: noteIds }));
  select({});
}

export function attemptOf(c: Connection | Edge): ConnectionAttempt {
  return { source: c.source, sourcePort: c.sourceHandle ?? "out", target: c.target, targetPort: c.targetHandle ?? "in" };
}

export function isValidConnection(c: Connection | Edge): boolean {
  return checkConnection(attemptOf(c), state().doc, state().catalog).ok;
}

/** Connects if the rules allow it; otherwise tells the user why. Returns the verdict. */
export function connect(attempt: ConnectionAttempt): boolean {
  const verdict = checkConnection(attempt, state().doc, state().catalog);
  if (!verdict.ok) {
    notify("error", `Not connected: ${verdict.reason}`);
    return false;
  }
  change((doc) => addEdge(doc, attempt).doc);
  return true;
}

export function onConnect(c: Connection): void {
  connect(attemptOf(c));
}

export function onSelectionFromPane(): void {
  if (state().picker) editorStore.setState({ picker: null });
}
