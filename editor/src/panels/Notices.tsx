import { useEffect } from "react";
import { editorStore, useEditor } from "../store/editor-store.ts";

/** One toast at a time, bottom centre; errors stay longer. Never covers the canvas centre. */
export function Notices() {
  const notice = useEditor((s) => s.notice);
  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(() => {
      if (editorStore.getState().notice?.id === notice.id) editorStore.setState({ notice: null });
    }, notice.kind === "error" ? 8000 : 4000);
    return () => clearTimeout(timer);
  }, [notice]);
  if (!notice) return null;
  return (
    <div className={`rn-notice ${notice.kind}`} role={notice.kind === "error" ? "alert" : "status"} data-testid="notice">
      <span>{notice.text}</span>
      <button className="rn-icon-btn" onClick={() => editorStore.setState({ notice: null })} aria-label="Dismiss">✕</button>
    </div>
  );
}
