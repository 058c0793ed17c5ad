import { useConnection, ViewportPortal } from "@xyflow/react";
import { editorStore } from "../store/editor-store.ts";
import { checkConnection } from "./connection-rules.ts";

/** While a connection is dragged over a port it may not join, says why, at the pointer. */
export function ConnectionHint() {
  const connection = useConnection();
  if (!connection.inProgress || connection.isValid !== false || !connection.toHandle || !connection.toNode) return null;
  const from = connection.fromHandle;
  const to = connection.toHandle;
  const attempt =
    from.type === "source"
      ? { source: from.nodeId, sourcePort: from.id ?? "out", target: to.nodeId, targetPort: to.id ?? "in" }
      : { source: to.nodeId, sourcePort: to.id ?? "out", target: from.nodeId, targetPort: from.id ?? "in" };
  const { doc, catalog } = editorStore.getState();
  const verdict = checkConnection(attempt, doc, catalog);
  const reason = verdict.ok ? "Connect an output to an input." : verdict.reason;
  return (
    <ViewportPortal>
      <div className="rn-connection-hint" style={{ transform: `translate(${connection.to.x + 14}px, ${connection.to.y + 14}px)` }} data-testid="connection-hint">
        {reason}
      </div>
    </ViewportPortal>
  );
}
