import { memo, useEffect, useState } from "react";
import { NodeResizer, type NodeProps } from "@xyflow/react";
import { change } from "../store/editor-store.ts";
import { updateNote } from "../store/doc-actions.ts";
import type { NoteNode } from "./to-react-flow.ts";

/** A sticky note: free text on the canvas, resizable, part of the flow document. */
function NoteViewImpl({ data, selected }: NodeProps<NoteNode>) {
  const [text, setText] = useState(data.text);
  useEffect(() => setText(data.text), [data.text]);
  const commit = (transient: boolean, value: string) =>
    change((doc) => updateNote(doc, data.noteId, (n) => (n.text === value ? n : { ...n, text: value })), { transient });
  return (
    <div className={`rn-note ${selected ? "is-selected" : ""}`} data-testid="sticky-note">
      <NodeResizer isVisible={selected} minWidth={120} minHeight={60} lineClassName="rn-note-resize" />
      <textarea
        className="rn-note-text nodrag nowheel"
        value={text}
        placeholder="Note…"
        onChange={(e) => {
          setText(e.target.value);
          commit(true, e.target.value);
        }}
        onBlur={(e) => commit(false, e.target.value)}
      />
    </div>
  );
}

export const NoteView = memo(NoteViewImpl);
