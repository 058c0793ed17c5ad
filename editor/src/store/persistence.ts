import { flowInputSchema, type FlowDocument } from "../../../engine/model/index.ts";
import { ApiError, createFlow, deleteFlow, getFlow, runFlow, saveFlow } from "../api-client.ts";
import { flowPath, navigate } from "../router.ts";
import { catalogSettled, change, editorStore, isDirty, markSaved, notify, openDoc } from "./editor-store.ts";
import { emptyDoc, toFlowInput, type WorkingDoc } from "./doc-actions.ts";
import { dropFlow, upsertFlow } from "./flows-store.ts";

/** Everything that talks to the server about the open flow. */

const state = editorStore.getState;

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function loadFlow(id: string): Promise<void> {
  try {
    const [doc] = await Promise.all([getFlow(id), catalogSettled()]);
    openDoc(doc, true);
  } catch (error) {
    notify("error", error instanceof ApiError && error.status === 404 ? "That flow does not exist (any more)." : `Could not load the flow: ${describe(error)}`);
    navigate("/", { replace: true, force: true });
  }
}

export function newDraft(): void {
  openDoc(emptyDoc(), false);
}

/**
 * Saves the open document. A 409 keeps the user's edits and offers reload or overwrite;
 * a 400 paints every problem on its node. Returns whether the server accepted it.
 */
export async function save(options: { overwrite?: boolean; active?: boolean } = {}): Promise<boolean> {
  const s = state();
  if (s.saving) return false;
  if (s.gestureBase) change((d) => d);
  const sent: WorkingDoc = options.active === undefined ? state().doc : { ...state().doc, active: options.active };
  let version = sent.version;
  if (options.overwrite && s.conflict) version = s.conflict.version;
  editorStore.setState({ saving: true });
  try {
    const body = toFlowInput(sent);
    const saved: FlowDocument = sent.id && version !== undefined ? await saveFlow(sent.id, { ...body, version }) : await createFlow(body);
    markSaved(saved, sent);
    upsertFlow(saved);
    if (!sent.id) navigate(flowPath(saved.id), { replace: true, force: true });
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.code === "VERSION_CONFLICT") {
      const current = error.current ?? (sent.id ? await getFlow(sent.id).catch(() => undefined) : undefined);
      // The banner under the top bar carries the message and both choices; no toast on top.
      editorStore.setState({ conflict: current ?? null });
      if (!current) notify("error", "Someone else saved this flow meanwhile, and it could not be fetched.");
    } else if (error instanceof ApiError && error.problems.length > 0) {
      editorStore.setState({ problems: error.problems });
      const n = error.problems.length;
      notify("error", `Not saved: ${n} problem${n === 1 ? "" : "s"} to fix (marked in red).`);
    } else {
      notify("error", `Not saved: ${describe(error)}`);
    }
    return false;
  } finally {
    editorStore.setState({ saving: false });
  }
}

export function reloadFromConflict(): void {
  const current = state().conflict;
  if (current) openDoc(current, true);
}

/** Activating saves the flow with the new flag; the toggle only flips once the server agrees. */
export async function setActive(active: boolean): Promise<void> {
  if (await save({ active })) notify("success", active ? "Active: listening on its triggers." : "Inactive.");
}

export async function runNow(payload: unknown): Promise<string | undefined> {
  if (isDirty(state()) || !state().doc.id) {
    if (!(await save())) return undefined;
  }
  const id = state().doc.id;
  if (!id) return undefined;
  try {
    const runId = await runFlow(id, payload);
    editorStore.setState({ followRunId: runId });
    notify("info", "Run started…");
    return runId;
  } catch (error) {
    notify("error", `Could not start the run: ${describe(error)}`);
    return undefined;
  }
}

export function exportJson(): void {
  const doc = state().doc;
  const text = JSON.stringify(toFlowInput(doc), null, 2);
  const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = `${doc.name.replace(/[^\w.-]+/g, "-").toLowerCase() || "flow"}.json`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Imports a flow file into the open flow, replacing its content as one undoable step. */
export function importJson(text: string): void {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    notify("error", "That file is not JSON.");
    return;
  }
  const parsed = flowInputSchema.safeParse(raw);
  if (!parsed.success) {
    notify("error", `Not a Runnel flow: ${parsed.error.issues[0]?.message ?? "invalid"}`);
    return;
  }
  const flow = parsed.data;
  change((doc) => {
    const next: WorkingDoc = { ...doc, name: flow.name, nodes: flow.nodes, edges: flow.edges };
    if (flow.notes) next.notes = flow.notes;
    else delete next.notes;
    return next;
  });
  notify("success", `Imported ${flow.nodes.length} nodes. Save to keep them.`);
}

export async function duplicate(flow: FlowDocument): Promise<void> {
  try {
    const copy = await createFlow({ ...toFlowInput(flow), name: `${flow.name} (copy)`, active: false });
    upsertFlow(copy);
    navigate(flowPath(copy.id));
  } catch (error) {
    notify("error", `Could not duplicate: ${describe(error)}`);
  }
}

export async function remove(flow: FlowDocument): Promise<void> {
  try {
    await deleteFlow(flow.id);
    dropFlow(flow.id);
    if (state().doc.id === flow.id) navigate("/", { force: true });
    notify("info", `Deleted “${flow.name}”.`);
  } catch (error) {
    notify("error", `Could not delete: ${describe(error)}`);
  }
}

export async function rename(flow: FlowDocument, name: string): Promise<void> {
  if (state().doc.id === flow.id) {
    change((d) => ({ ...d, name }));
    await save();
    return;
  }
  try {
    upsertFlow(await saveFlow(flow.id, { ...toFlowInput(flow), name, version: flow.version }));
  } catch (error) {
    notify("error", `Could not rename: ${describe(error)}`);
  }
}
