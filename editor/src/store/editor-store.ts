import { createStore } from "zustand/vanilla";
import { useStore } from "zustand";
import type { FlowDocument, FlowProblem } from "../../../engine/model/index.ts";
import { catalogFrom, outputPortsOf, type Catalog, type NodeType } from "./catalog.ts";
import { diffDocs } from "./doc-diff.ts";
import { emptyHistory, record, redo, undo, type History } from "./history.ts";
import { emptyDoc, pruneDanglingEdges, sameContent, type WorkingDoc } from "./doc-actions.ts";
import type { RunOverlay } from "./run-overlay.ts";

export interface Selection {
  nodes: ReadonlySet<string>;
  edges: ReadonlySet<string>;
  notes: ReadonlySet<string>;
}
export const noSelection: Selection = { nodes: new Set(), edges: new Set(), notes: new Set() };

export type NoticeKind = "info" | "success" | "error";
export interface Notice {
  id: number;
  kind: NoticeKind;
  text: string;
}

/** Quick-connect picker: opened at a screen point, places a node connected from a port. */
export interface Picker {
  screen: { x: number; y: number };
  flow: { x: number; y: number };
  from?: { nodeId: string; port: string };
}

export interface EditorState {
  catalogList: NodeType[];
  catalog: Catalog;
  doc: WorkingDoc;
  /** What the server last confirmed; `doc` differs from it when there are unsaved edits. */
  savedDoc: WorkingDoc | null;
  history: History;
  /** Document at the start of a gesture (drag, resize); the gesture becomes one undo step. */
  gestureBase: WorkingDoc | null;
  selection: Selection;
  measured: Readonly<Record<string, { width: number; height: number }>>;
  problems: FlowProblem[];
  conflict: FlowDocument | null;
  saving: boolean;
  notice: Notice | null;
  picker: Picker | null;
  /** A node just added by the user: the inspector focuses its first field. */
  focusNodeId: string | null;
  run: RunOverlay | null;
  /** Run whose outcome the canvas follows live (started here, or the newest one). */
  followRunId: string | null;
  /** Bumped whenever a document is opened, so the canvas can fit it into view. */
  openSeq: number;
  /** A node the canvas should scroll into view (just added). */
  revealId: string | null;
}

export const editorStore = createStore<EditorState>()(() => ({
  catalogList: [],
  catalog: new Map(),
  doc: emptyDoc(),
  savedDoc: null,
  history: emptyHistory,
  gestureBase: null,
  selection: noSelection,
  measured: {},
  problems: [],
  conflict: null,
  saving: false,
  notice: null,
  picker: null,
  focusNodeId: null,
  run: null,
  followRunId: null,
  openSeq: 0,
  revealId: null,
}));

export function useEditor<T>(selector: (state: EditorState) => T): T {
  return useStore(editorStore, selector);
}

const get = editorStore.getState;
const set = editorStore.setState;

export function setCatalog(list: NodeType[]): void {
  set({ catalogList: list, catalog: catalogFrom(list) });
}

let catalogArrival: Promise<unknown> = Promise.resolve();

/**
 * Loads the node catalog into the store. A flow opened meanwhile waits for it
 * (`catalogSettled`, see loadFlow): opened first, its nodes would be drawn as unknown types
 * and then all drawn again — on a 1,000-node flow that doubles the work of opening it.
 */
export function loadCatalog(fetchTypes: () => Promise<NodeType[]>): Promise<void> {
  const loading = fetchTypes().then(setCatalog);
  catalogArrival = loading.catch(() => undefined);
  return loading;
}

/** Resolves once the catalog requested by loadCatalog has arrived or failed. */
export function catalogSettled(): Promise<unknown> {
  return catalogArrival;
}

/** Opens a document (loaded or new); clears history, selection and problems. */
export function openDoc(doc: WorkingDoc, saved: boolean): void {
  set({
    doc,
    savedDoc: saved ? doc : null,
    history: emptyHistory,
    gestureBase: null,
    selection: noSelection,
    problems: [],
    conflict: null,
    picker: null,
    focusNodeId: null,
    run: null,
    followRunId: null,
    openSeq: get().openSeq + 1,
  });
}

/**
 * The one way the document changes because of a user edit. A transient change (a drag in
 * progress) updates the canvas without touching history; the next non-transient change
 * records one diff from where the gesture began.
 */
export function change(fn: (doc: WorkingDoc) => WorkingDoc, options: { transient?: boolean } = {}): void {
  const state = get();
  const { catalog } = state;
  let next = fn(state.doc);
  next = pruneDanglingEdges(next, (node) => {
    const type = catalog.get(node.type);
    return type ? outputPortsOf(type, node) : undefined;
  });
  const problems = staleProblemsDropped(state.problems, state.doc, next);
  if (options.transient) {
    if (next !== state.doc) set({ doc: next, gestureBase: state.gestureBase ?? state.doc, problems });
    return;
  }
  const base = state.gestureBase ?? state.doc;
  if (next === base) {
    set({ gestureBase: null });
    return;
  }
  set({ doc: next, gestureBase: null, history: record(state.history, diffDocs(base, next)), problems });
}

/**
 * A server problem disappears from a node as soon as the user edits that node (the next
 * save re-checks everything); problems of untouched nodes and of the flow stay.
 */
function staleProblemsDropped(problems: FlowProblem[], prev: WorkingDoc, next: WorkingDoc): FlowProblem[] {
  if (problems.length === 0 || prev.nodes === next.nodes) return problems;
  const before = new Map(prev.nodes.map((n) => [n.id, n]));
  const edited = new Set(next.nodes.filter((n) => before.get(n.id) !== n && before.has(n.id) && before.get(n.id)!.position === n.position).map((n) => n.id));
  if (edited.size === 0) return problems;
  return problems.filter((p) => !p.nodeId || !edited.has(p.nodeId));
}

export function undoChange(): void {
  const state = get();
  if (state.gestureBase) change((d) => d);
  const result = undo(get().history, get().doc);
  if (result) set({ ...result, selection: pruneSelection(get().selection, result.doc) });
}

export function redoChange(): void {
  if (get().gestureBase) change((d) => d); // a finished gesture is a new edit: it ends redo
  const result = redo(get().history, get().doc);
  if (result) set({ ...result, selection: pruneSelection(get().selection, result.doc) });
}

function pruneSelection(selection: Selection, doc: WorkingDoc): Selection {
  const nodes = new Set(doc.nodes.map((n) => n.id));
  const edges = new Set(doc.edges.map((e) => e.id));
  const notes = new Set((doc.notes ?? []).map((n) => n.id));
  return {
    nodes: new Set([...selection.nodes].filter((id) => nodes.has(id))),
    edges: new Set([...selection.edges].filter((id) => edges.has(id))),
    notes: new Set([...selection.notes].filter((id) => notes.has(id))),
  };
}

export function select(selection: Partial<Selection>): void {
  set({ selection: { ...noSelection, ...selection } });
}

export function isDirty(state: Pick<EditorState, "doc" | "savedDoc">): boolean {
  if (!state.savedDoc) return state.doc.nodes.length > 0 || (state.doc.notes?.length ?? 0) > 0 || state.doc.name !== emptyDoc().name;
  return !sameContent(state.doc, state.savedDoc);
}

/** The server accepted a save: adopt its id/version but keep edits made meanwhile. */
export function markSaved(saved: FlowDocument, sent: WorkingDoc): void {
  const state = get();
  const keep = (doc: WorkingDoc): WorkingDoc => ({ ...doc, id: saved.id, version: saved.version, active: saved.active });
  set({
    doc: keep(state.doc),
    savedDoc: keep(sent),
    problems: [],
    conflict: null,
    history: state.history,
  });
}

let noticeId = 0;
export function notify(kind: NoticeKind, text: string): void {
  set({ notice: { id: ++noticeId, kind, text } });
}
