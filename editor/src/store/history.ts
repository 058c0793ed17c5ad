import { applyDiff, invertDiff, type Diff, type EditableDoc } from "./doc-diff.ts";

/** Undo/redo stacks of diffs. Pure: every function returns a new history. */
export interface History {
  past: readonly Diff[];
  future: readonly Diff[];
}

export const emptyHistory: History = { past: [], future: [] };
const LIMIT = 200;

export function record(history: History, diff: Diff): History {
  if (diff.length === 0) return history;
  const past = [...history.past, diff];
  return { past: past.length > LIMIT ? past.slice(past.length - LIMIT) : past, future: [] };
}

export function undo<D extends EditableDoc>(history: History, doc: D): { history: History; doc: D } | undefined {
  const diff = history.past[history.past.length - 1];
  if (!diff) return undefined;
  return {
    doc: applyDiff(doc, invertDiff(diff)),
    history: { past: history.past.slice(0, -1), future: [...history.future, diff] },
  };
}

export function redo<D extends EditableDoc>(history: History, doc: D): { history: History; doc: D } | undefined {
  const diff = history.future[history.future.length - 1];
  if (!diff) return undefined;
  return {
    doc: applyDiff(doc, diff),
    history: { past: [...history.past, diff], future: history.future.slice(0, -1) },
  };
}
