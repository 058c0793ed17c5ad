import { change, editorStore } from "../store/editor-store.ts";
import { moveNodes } from "../store/doc-actions.ts";
import { autoLayout } from "./auto-layout.ts";

/** Lays the whole flow out left to right as one undo step. */
export function layoutAll(): void {
  const { doc, measured } = editorStore.getState();
  const positions = autoLayout(doc.nodes, doc.edges, {
    size: (id) => measured[id] ?? { width: 200, height: 80 },
  });
  change((d) => moveNodes(d, positions));
  editorStore.setState({ openSeq: editorStore.getState().openSeq + 1 });
}
