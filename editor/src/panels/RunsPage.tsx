import { useCallback, useEffect, useState } from "react";
import type { RunStatus } from "../../../engine/model/index.ts";
import type { RunFilter } from "../runs-api.ts";
import { useRunList } from "../store/run-list.ts";
import { useFlows } from "../store/flows-store.ts";
import { flowPath, navigate } from "../router.ts";
import { filterFromSearch, RunFilters, searchOf } from "./RunFilters.tsx";
import { RunRowContent, StatusCounts } from "./RunBits.tsx";

const PAGE = 50;

/** `/runs`: every flow's runs, filtered, paged, live. A click opens the run on its flow. */
export function RunsPage() {
  const [filter, setFilterState] = useState<RunFilter>(() => filterFromSearch(window.location.search));
  const setFilter = useCallback((next: RunFilter) => {
    setFilterState(next);
    window.history.replaceState(null, "", `/runs${searchOf(next)}`);
  }, []);
  const list = useRunList(filter, PAGE);
  const names = useFlows((s) => s.flows);
  const nameOf = (flowId: string) => names.find((f) => f.id === flowId)?.name;
  useEffect(() => {
    document.title = "Runs · Runnel";
    return () => void (document.title = "Runnel");
  }, []);
  return (
    <div className="rn-runs-page" data-testid="runs-page">
      <header className="rn-runs-page-head">
        <h2>Runs</h2>
        <span className={`rn-dot ${list.connected ? "on" : ""}`} title={list.connected ? "live" : "not connected"} />
        <StatusCounts counts={list.counts} status={filter.status ?? ""} onStatus={(status: RunStatus | "") => setFilter({ ...filter, status })} />
      </header>
      <RunFilters filter={filter} onChange={setFilter} />
      {list.error ? <p className="rn-error-text">Could not load runs: {list.error}</p> : null}
      <ul className="rn-runs-list rn-runs-page-list">
        {list.runs.length === 0 && !list.loading ? <li className="rn-muted">No runs match.</li> : null}
        {list.runs.map((run) => (
          <li key={run.id}>
            <button className="rn-run-row" onClick={() => navigate(flowPath(run.flowId, run.id))} data-testid="global-run-row" data-status={run.status} data-run-id={run.id}>
              <RunRowContent run={{ ...run, flowName: nameOf(run.flowId) ?? run.flowName }} showFlow />
            </button>
          </li>
        ))}
      </ul>
      <footer className="rn-runs-page-foot">
        <span className="rn-muted">{list.runs.length} shown{list.nextCursor ? "" : list.runs.length ? " · that is all" : ""}</span>
        {list.nextCursor ? <button className="rn-btn" onClick={list.loadMore} disabled={list.loading} data-testid="load-more">Load more</button> : null}
      </footer>
    </div>
  );
}
