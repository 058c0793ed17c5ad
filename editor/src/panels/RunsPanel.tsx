import { useMemo, useState } from "react";
import { useShallow } from "zustand/react/shallow";
import type { RunStatus } from "../../../engine/model/index.ts";
import { useEditor } from "../store/editor-store.ts";
import { useRunList } from "../store/run-list.ts";
import { cancelShown, onFlowRunEvent, retryShown } from "../store/runs-live.ts";
import { isFinished } from "../store/run-overlay.ts";
import { flowPath, navigate } from "../router.ts";
import { RunRowContent, StatusCounts } from "./RunBits.tsx";

/** Runs of the open flow, live. Clicking one paints it on the canvas. */
export function RunsPanel() {
  const { flowId, shown } = useEditor(useShallow((s) => ({ flowId: s.doc.id, shown: s.run })));
  const [status, setStatus] = useState<RunStatus | "">("");
  const filter = useMemo(() => (flowId ? { flowId, status } : null), [flowId, status]);
  const list = useRunList(filter, 25, onFlowRunEvent);
  const [open, setOpen] = useState(true);
  return (
    <section className={`rn-runs ${open ? "open" : ""}`} aria-label="Runs" data-testid="runs-panel">
      <header className="rn-runs-head">
        <button className="rn-link" onClick={() => setOpen(!open)} aria-expanded={open}>
          {open ? "▾" : "▸"} Runs
        </button>
        {flowId ? <span className={`rn-dot ${list.connected ? "on" : ""}`} title={list.connected ? "live" : "not connected"} /> : null}
        {flowId && open ? <StatusCounts counts={list.counts} status={status} onStatus={setStatus} compact /> : null}
        <span className="rn-spacer" />
        {shown ? (
          <span className="rn-runs-showing" data-testid="run-shown">
            Run <code title={shown.runId}>{shown.runId.slice(-8)}</code> <strong className={`st-${shown.status}`}>{shown.status}</strong>
            {shown.retryOf ? <span className="rn-muted">(retry of <code>{shown.retryOf.slice(-8)}</code>)</span> : null}
            {isFinished(shown.status) ? null : (
              <button className="rn-btn small danger" onClick={() => void cancelShown()} data-testid="cancel-run" title="Stop this run before its next step">Cancel</button>
            )}
            <button className="rn-btn small" onClick={() => void retryShown()} data-testid="retry-run" title="Run the same trigger message again on the current flow version">↻ Retry</button>
            <button className="rn-link" onClick={() => flowId && navigate(flowPath(flowId), { force: true })}>hide</button>
          </span>
        ) : null}
      </header>
      {open ? (
        <ul className="rn-runs-list">
          {!flowId ? <li className="rn-muted">Save the flow to run it; runs appear here live.</li> : null}
          {flowId && list.runs.length === 0 && !list.loading ? <li className="rn-muted">{status ? `No ${status} runs.` : "No runs yet. Press ▶ Run, or call the webhook."}</li> : null}
          {list.error ? <li className="rn-error-text">Could not load runs: {list.error}</li> : null}
          {list.runs.map((run) => (
            <li key={run.id}>
              <button className={`rn-run-row ${shown?.runId === run.id ? "is-shown" : ""}`} onClick={() => flowId && navigate(flowPath(flowId, run.id), { force: true })}
                data-testid="run-row" data-status={run.status} data-run-id={run.id}>
                <RunRowContent run={run} />
              </button>
            </li>
          ))}
          {list.nextCursor ? (
            <li><button className="rn-link" onClick={list.loadMore} disabled={list.loading}>Load more</button></li>
          ) : null}
        </ul>
      ) : null}
    </section>
  );
}
