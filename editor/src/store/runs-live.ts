import { cancelRun, getRun, retryRun, type RetryOptions } from "../runs-api.ts";
import { editorStore, isDirty, notify } from "./editor-store.ts";
import { isFinished, overlayOf } from "./run-overlay.ts";
import { coalesce, type RunEvent } from "./run-events.ts";
import { describe, save } from "./persistence.ts";
import { flowPath, navigate } from "../router.ts";

/**
 * The run painted on the canvas, kept live. The canvas follows the run the user started (or,
 * when none is pinned, the newest run); a pinned run (opened from the list or a link) repaints
 * as its own steps finish.
 */
export function onFlowRunEvent(event: RunEvent): void {
  const { followRunId, run } = editorStore.getState();
  if (run?.runId === event.runId) {
    repaint(event.runId);
    return;
  }
  if (run && followRunId === null) return;
  if (event.type !== "run.queued") void showRun(event.runId, true);
  else editorStore.setState({ followRunId: event.runId });
}

const repaints = new Map<string, () => void>();
function repaint(runId: string): void {
  let call = repaints.get(runId);
  if (!call) {
    call = coalesce(() => {
      repaints.delete(runId);
      const { run, followRunId } = editorStore.getState();
      if (run?.runId === runId) void showRun(runId, followRunId === runId);
    }, 60);
    repaints.set(runId, call);
  }
  call();
}

let latestRequest = 0;
/** Paints a run on the canvas; `follow` keeps following it as it progresses. */
export async function showRun(runId: string, follow = false): Promise<void> {
  const request = ++latestRequest;
  try {
    const run = await getRun(runId);
    if (request !== latestRequest) return;
    editorStore.setState({ run: overlayOf(run), ...(follow ? { followRunId: runId } : { followRunId: null }) });
    // A run opened before it finished keeps repainting, even if an event slipped past.
    if (!isFinished(run.status)) setTimeout(() => editorStore.getState().run?.runId === runId && repaint(runId), 1500);
  } catch {
    /* the run list shows what is known; a vanished run is not an error worth a toast */
  }
}

export function clearRun(): void {
  latestRequest++; // a run still loading must not paint after this
  editorStore.setState({ run: null, followRunId: null });
}

/**
 * Retries the run shown (whole, or from a node) and opens the new run. Unsaved edits are saved
 * first, since the server retries on a stored flow version.
 */
export async function retryShown(options: RetryOptions = {}): Promise<string | undefined> {
  const state = editorStore.getState();
  const run = state.run;
  if (!run) return undefined;
  if (options.version !== "original" && isDirty(state) && !(await save())) return undefined;
  try {
    const runId = await retryRun(run.runId, options);
    const node = options.fromNode ? state.doc.nodes.find((n) => n.id === options.fromNode) : undefined;
    const name = node ? node.name || state.catalog.get(node.type)?.title || node.id : options.fromNode;
    notify("info", name ? `Retrying from “${name}”…` : "Retrying the run…");
    navigate(flowPath(run.flowId, runId), { force: true });
    return runId;
  } catch (error) {
    notify("error", `Could not retry: ${describe(error)}`);
    return undefined;
  }
}

export async function cancelShown(): Promise<void> {
  const run = editorStore.getState().run;
  if (!run) return;
  try {
    await cancelRun(run.runId);
    repaint(run.runId);
  } catch (error) {
    notify("error", `Could not cancel: ${describe(error)}`);
  }
}
