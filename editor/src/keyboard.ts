import { useEffect } from "react";
import { change, editorStore, notify, redoChange, select, undoChange } from "./store/editor-store.ts";
import { copyFragment, parseFragment, pasteFragment } from "./store/clipboard.ts";
import { removeElements } from "./store/doc-actions.ts";
import { save } from "./store/persistence.ts";

const state = editorStore.getState;

function isEditable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT";
}

function hasSelection(): boolean {
  const { nodes, notes } = state().selection;
  return nodes.size + notes.size > 0;
}

/**
 * Global shortcuts. Text fields keep their own undo and clipboard; everywhere else the
 * flow's undo/redo and copy/paste (as flow JSON on the system clipboard) apply.
 */
export function useKeyboard(): void {
  useEffect(() => {
    const onKeyDown = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      if (mod && key === "s") {
        e.preventDefault();
        void save();
        return;
      }
      if (isEditable(e.target)) return;
      if (mod && key === "z") {
        e.preventDefault();
        if (e.shiftKey) redoChange();
        else undoChange();
      } else if (mod && key === "y") {
        e.preventDefault();
        redoChange();
      } else if (mod && key === "a") {
        e.preventDefault();
        const { doc } = state();
        select({ nodes: new Set(doc.nodes.map((n) => n.id)), notes: new Set((doc.notes ?? []).map((n) => n.id)) });
      } else if (key === "escape") {
        editorStore.setState({ picker: null });
        select({});
      }
    };
    const onCopy = (e: ClipboardEvent, cut: boolean) => {
      if (isEditable(e.target) || !hasSelection() || !e.clipboardData) return;
      const { doc, selection } = state();
      const fragment = copyFragment(doc, selection.nodes, selection.notes);
      e.clipboardData.setData("text/plain", JSON.stringify(fragment, null, 2));
      e.preventDefault();
      if (cut) {
        change((d) => removeElements(d, { nodes: selection.nodes, notes: selection.notes }));
        select({});
      }
      notify("info", `${cut ? "Cut" : "Copied"} ${fragment.nodes.length} node${fragment.nodes.length === 1 ? "" : "s"} as flow JSON.`);
    };
    const onPaste = (e: ClipboardEvent) => {
      if (isEditable(e.target)) return;
      const fragment = parseFragment(e.clipboardData?.getData("text/plain") ?? "");
      if (!fragment) return;
      e.preventDefault();
      let pasted = { nodeIds: [] as string[], noteIds: [] as string[] };
      change((d) => {
        const result = pasteFragment(d, fragment);
        pasted = result;
        return result.doc;
      });
      select({ nodes: new Set(pasted.nodeIds), notes: new Set(pasted.noteIds) });
    };
    const copy = (e: ClipboardEvent) => onCopy(e, false);
    const cut = (e: ClipboardEvent) => onCopy(e, true);
    window.addEventListener("keydown", onKeyDown);
    document.addEventListener("copy", copy);
    document.addEventListener("cut", cut);
    document.addEventListener("paste", onPaste);
    return () => {
      window.removeEventListener("keydown", onKeyDown);
      document.removeEventListener("copy", copy);
      document.removeEventListener("cut", cut);
      document.removeEventListener("paste", onPaste);
    };
  }, []);
}
