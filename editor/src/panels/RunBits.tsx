import { RUN_STATUSES, type RunStatus } from "../../../engine/model/index.ts";
import type { RunCounts, RunSummary } from "../runs-api.ts";

/** Pieces shared by the flow's runs panel and the global runs page. */

export const clockTime = (iso: string): string => new Date(iso).toLocaleTimeString();
export const dateTime = (iso: string): string => new Date(iso).toLocaleString();

export function durationOf(from: string | null | undefined, to: string | null | undefined): string {
  if (!from || !to) return "";
  const ms = Date.parse(to) - Date.parse(from);
  if (!Number.isFinite(ms) || ms < 0) return "";
  return ms < 1000 ? `${ms} ms` : ms < 60_000 ? `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s` : `${Math.round(ms / 1000)} s`;
}

/** Counts per status; clicking one filters by it (again clears). `compact` leaves out zeros. */
export function StatusCounts({ counts, status, onStatus, compact }: { counts: RunCounts | null; status: RunStatus | ""; onStatus: (s: RunStatus | "") => void; compact?: boolean }) {
  if (!counts) return null;
  const shown = RUN_STATUSES.filter((s) => !compact || (counts[s] ?? 0) > 0 || s === status);
  return (
    <span className="rn-counts" role="group" aria-label="Runs per status" data-testid="run-counts">
      {shown.map((s) => (
        <button key={s} className={`rn-count st-${s} ${status === s ? "is-on" : ""}`} aria-pressed={status === s}
          onClick={() => onStatus(status === s ? "" : s)} title={`Show only ${s} runs`} data-testid={`count-${s}`}>
          {s} <strong>{counts[s] ?? 0}</strong>
        </button>
      ))}
    </span>
  );
}

export function RunRowContent({ run, showFlow }: { run: RunSummary; showFlow?: boolean }) {
  return (
    <>
      <span className={`rn-status st-${run.status}`}>{run.status}</span>
      <span className="rn-muted rn-run-time" title={dateTime(run.createdAt)}>{showFlow ? dateTime(run.createdAt) : clockTime(run.createdAt)}</span>
      {showFlow ? <span className="rn-run-flow">{run.flowName ?? run.flowId}</span> : null}
      <span className="rn-muted">{run.triggerType ?? ""}</span>
      {run.retryOf ? <span className="rn-muted" title={`retry of ${run.retryOf}`}>↻ retry</span> : null}
      <span className="rn-muted">{durationOf(run.startedAt ?? run.createdAt, run.finishedAt)}</span>
      {run.error?.message ? <span className="rn-error-text rn-run-error">{run.error.message}</span> : null}
    </>
  );
}
