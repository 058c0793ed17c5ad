import { useEffect, useState } from "react";
import { getRun, listRuns, RUN_EVENT_NAMES, runEventSchema, type RunSummary } from "../api-client.ts";
import { editorStore } from "./editor-store.ts";
import { overlayOf } from "./run-overlay.ts";

/**
 * Runs of the open flow, kept live over SSE. The canvas follows the run the user started
 * (or, when none is pinned, the newest run) and paints each node's outcome.
 */
export function useLiveRuns(flowId: string | undefined): { runs: RunSummary[]; connected: boolean } {
  const [runs, setRuns] = useState<RunSummary[]>([]);
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    setRuns([]);
    if (!flowId) return;
    let closed = false;
    let refreshTimer: ReturnType<typeof setTimeout> | undefined;
    const refresh = () => {
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(() => {
        listRuns(flowId).then((list) => !closed && setRuns(list), () => undefined);
      }, 100);
    };
    refresh();
    const source = new EventSource(`/api/events?flowId=${encodeURIComponent(flowId)}`);
    source.onopen = () => setConnected(true);
    source.onerror = () => setConnected(false);
    const onEvent = (event: MessageEvent<string>) => {
      let data: unknown;
      try {
        data = JSON.parse(event.data);
      } catch {
        return;
      }
      const parsed = runEventSchema.safeParse(data);
      if (!parsed.success || parsed.data.flowId !== flowId) return;
      refresh();
      // Following = nothing pinned by the user: the newest run's progress is painted live.
      const { followRunId, run } = editorStore.getState();
      if (run && followRunId === null) return;
      if (event.type !== "run.queued") void showRun(parsed.data.runId, true);
      else editorStore.setState({ followRunId: parsed.data.runId });
    };
    for (const name of RUN_EVENT_NAMES) source.addEventListener(name, onEvent);
    return () => {
      closed = true;
      clearTimeout(refreshTimer);
      source.close();
    };
  }, [flowId]);
  return { runs, connected };
}

let latestRequest = 0;
/** Paints a run on the canvas; `follow` keeps following it as it progresses. */
export async function showRun(runId: string, follow = false): Promise<void> {
  const request = ++latestRequest;
  try {
    const run = await getRun(runId);
    if (request !== latestRequest) return;
    editorStore.setState({ run: overlayOf(run), ...(follow ? { followRunId: runId } : { followRunId: null }) });
  } catch {
    /* the run list shows what is known; a vanished run is not an error worth a toast */
  }
}

export function clearRun(): void {
  latestRequest++; // a run still loading must not paint after this
  editorStore.setState({ run: null, followRunId: null });
}
