import { useCallback, useEffect, useRef, useState } from "react";
import { countRuns, listRuns, type RunCounts, type RunFilter, type RunSummary } from "../runs-api.ts";
import { coalesce, subscribeRunEvents, type RunEvent } from "./run-events.ts";

export interface RunList {
  runs: RunSummary[];
  nextCursor: string | null;
}

/** Newest first, as the API orders them: (createdAt, id) descending. */
const newer = (a: RunSummary, b: RunSummary) => (a.createdAt === b.createdAt ? a.id > b.id : a.createdAt > b.createdAt);

/**
 * Folds a freshly fetched first page into a list that may hold more pages. The fresh page is
 * the truth for everything down to its oldest run; older runs already loaded stay, so "load
 * more" never loses its place while new runs arrive.
 */
export function mergeFirstPage(current: RunList, fresh: RunList): RunList {
  const tail = fresh.runs.at(-1);
  // Without a next page the fresh one holds every matching run.
  if (!tail || fresh.nextCursor === null) return fresh;
  if (!current.runs.some((run) => newer(tail, run))) return fresh;
  const seen = new Set(fresh.runs.map((r) => r.id));
  const older = current.runs.filter((run) => !seen.has(run.id) && newer(tail, run));
  return { runs: [...fresh.runs, ...older], nextCursor: current.nextCursor };
}

export function appendPage(current: RunList, page: RunList): RunList {
  const seen = new Set(current.runs.map((r) => r.id));
  return { runs: [...current.runs, ...page.runs.filter((r) => !seen.has(r.id))], nextCursor: page.nextCursor };
}

/** A status change arrives before the refetch does: show it at once. */
export function patchStatus(list: RunList, event: RunEvent): RunList {
  if (event.type === "step.finished" || !event.status) return list;
  const index = list.runs.findIndex((r) => r.id === event.runId);
  if (index < 0 || list.runs[index]!.status === event.status) return list;
  const runs = [...list.runs];
  runs[index] = { ...runs[index]!, status: event.status as RunSummary["status"] };
  return { ...list, runs };
}

export interface LiveRunList extends RunList {
  counts: RunCounts | null;
  connected: boolean;
  loading: boolean;
  error: string | null;
  loadMore(): void;
}

/**
 * Runs matching `filter`, kept live over SSE: every event refetches the first page and the
 * counts (coalesced), and patches the status of a run already listed. `onEvent` lets the caller
 * share the one event stream (browsers allow few connections per host).
 */
export function useRunList(filter: RunFilter | null, pageSize: number, onEvent?: (event: RunEvent) => void): LiveRunList {
  const [list, setList] = useState<RunList>({ runs: [], nextCursor: null });
  const [counts, setCounts] = useState<RunCounts | null>(null);
  const [connected, setConnected] = useState(false);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const listRef = useRef(list);
  listRef.current = list;
  const eventRef = useRef(onEvent);
  eventRef.current = onEvent;
  const key = filter ? JSON.stringify(filter) : null;

  useEffect(() => {
    setList({ runs: [], nextCursor: null });
    setCounts(null);
    setError(null);
    if (!filter) return;
    let closed = false;
    const refresh = coalesce(() => {
      listRuns(filter, pageSize).then(
        (page) => {
          if (closed) return;
          setList((current) => mergeFirstPage(current, page));
          setError(null);
          setLoading(false);
        },
        (e: unknown) => !closed && (setError(e instanceof Error ? e.message : String(e)), setLoading(false)),
      );
      // Counts are per flow; an older server without the endpoint just shows none.
      countRuns(filter.flowId).then((c) => !closed && setCounts(c), () => undefined);
    }, 150);
    setLoading(true);
    refresh();
    const unsubscribe = subscribeRunEvents(filter.flowId, {
      onEvent: (event) => {
        setList((current) => patchStatus(current, event));
        refresh();
        eventRef.current?.(event);
      },
      onMissed: refresh,
      onConnection: setConnected,
    });
    return () => {
      closed = true;
      refresh.cancel();
      unsubscribe();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `key` is the filter's identity
  }, [key, pageSize]);

  const loadMore = useCallback(() => {
    const { nextCursor } = listRef.current;
    if (!filter || !nextCursor) return;
    setLoading(true);
    listRuns(filter, pageSize, nextCursor).then(
      (page) => (setList((current) => appendPage(current, page)), setLoading(false)),
      (e: unknown) => (setError(e instanceof Error ? e.message : String(e)), setLoading(false)),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, pageSize]);

  return { ...list, counts, connected, loading, error, loadMore };
}
