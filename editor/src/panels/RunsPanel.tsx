import { useState } from "react";
import { useShallow } from "zustand/react/shallow";
import { useEditor } from "../store/editor-store.ts";
import { useLiveRuns } from "../store/runs-live.ts";
import { flowPath, navigate } from "../router.ts";

const time = (iso: string) => new Date(iso).toLocaleTimeString();

/**
 * Runs of the open flow, live. Clicking one paints it on the canvas. (Issue 7 grows this
 * into full run inspection: steps, JSON viewer, retry.)
 */
export function RunsPanel() {
  const { flowId, shown } = useEditor(useShallow((s) => ({ flowId: s.doc.id, shown: s.run })));
  const { runs, connected } = useLiveRuns(flowId);
  const [open, setOpen] = useState(true);
  return (
    <section className={`rn-runs ${open ? "open" : ""}`} aria-label="Runs" data-testid="runs-panel">
      <header className="rn-runs-head">
        <button className="rn-link" onClick={() => setOpen(!open)} aria-expanded={open}>
          {open ? "▾" : "▸"} Runs {runs.length ? `(${runs.length})` : ""}
        </button>
        {flowId ? <span className={`rn-dot ${connected ? "on" : ""}`} title={connected ? "live" : "not connected"} /> : null}
        {shown ? (
          <span className="rn-runs-showing">
            Showing run <code>{shown.runId.slice(-8)}</code>: <strong className={`st-${shown.status}`}>{shown.status}</strong>
            <button className="rn-link" onClick={() => flowId && navigate(flowPath(flowId), { force: true })}>hide</button>
          </span>
        ) : null}
      </header>
      {open ? (
        <ul className="rn-runs-list">
          {!flowId ? <li className="rn-muted">Save the flow to run it; runs appear here live.</li> : null}
          {flowId && runs.length === 0 ? <li className="rn-muted">No runs yet. Press ▶ Run, or call the webhook.</li> : null}
          {runs.map((run) => (
            <li key={run.id}>
              <button className={`rn-run-row ${shown?.runId === run.id ? "is-shown" : ""}`} onClick={() => flowId && navigate(flowPath(flowId, run.id), { force: true })} data-testid="run-row" data-status={run.status}>
                <span className={`rn-status st-${run.status}`}>{run.status}</span>
                <span className="rn-muted">{time(run.createdAt)}</span>
                <span className="rn-muted">{run.triggerType ?? ""}</span>
                {run.error?.message ? <span className="rn-error-text">{run.error.message}</span> : null}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
