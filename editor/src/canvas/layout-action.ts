import { change, editorStore } from "../store/editor-store.ts";
import { moveNodes } from "../store/doc-actions.ts";

/** Lays the whole flow out left to right as one undo step. The layout code loads on first use. */
export async function layoutAll(): Promise<void> {
  const { autoLayout } = await import("./auto-layout.ts");
  const { doc, measured } = editorStore.getState();
  const positions = autoLayout(doc.nodes, doc.edges, {
    size: (id) => measured[id] ?? { width: 200, height: 80 },
  });
  change((d) => moveNodes(d, positions));
  editorStore.setState({ openSeq: editorStore.getState().openSeq + 1 });
}
