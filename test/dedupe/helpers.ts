import { expect } from "vitest";
import type { FlowDocument, RunWithSteps } from "../../engine/model/index.ts";
import { createApp, type App } from "../../api/app.ts";
import type { engineHarness } from "../helpers/engine-harness.ts";
import { flow } from "../helpers/flows.ts";

export type Harness = Awaited<ReturnType<typeof engineHarness>>;

export function appFor(h: Harness): App {
  return createApp({ engine: h.engine, version: "test", maxBodyBytes: 1_000_000 });
}

/** webhook(/hooks/<path>) → dedupe(config) → log, the shape most dedupe tests need. */
export function hookDedupeFlow(name: string, path: string, dedupe: Record<string, unknown>, extra: { fail?: boolean } = {}) {
  const nodes = [
    { id: "hook", type: "webhook", config: { path } },
    { id: "dd", type: "dedupe", config: dedupe },
    { id: "log", type: "log", config: { message: "new {{ body.id }}" } },
  ];
  // A transform that raises when the body asks for it, so a run can fail after passing dedupe.
  if (extra.fail) nodes.push({ id: "boom", type: "transform", config: { expression: `body.fail ? $error("boom") : $` } });
  return flow(name, nodes, extra.fail ? ["hook->dd", "dd->boom", "boom->log"] : ["hook->dd", "dd->log"]);
}

/** A manual-trigger flow with dedupe nodes in a chain: manual → d1 → d2 → … (each `out` feeds the next). */
export function manualDedupeFlow(name: string, dedupes: { id: string; config: Record<string, unknown> }[]) {
  const nodes = [{ id: "m", type: "manual" }, ...dedupes.map((d) => ({ id: d.id, type: "dedupe", config: d.config }))];
  const ids = ["m", ...dedupes.map((d) => d.id)];
  return flow(name, nodes, ids.slice(1).map((id, i) => `${ids[i]}->${id}`));
}

export async function post(app: App, path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await app.request(`/hooks/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as { runId: string } };
}

/** Starts a run of `flow` with `message` and waits for it to finish. */
export async function runOnce(h: Harness, saved: FlowDocument, message: unknown): Promise<RunWithSteps> {
  const trigger = saved.nodes.find((n) => h.engine.catalog.get(n.type)?.category === "trigger")!;
  const { runId } = await h.engine.runs.start({ flow: saved, triggerNodeId: trigger.id, message: message as never });
  await h.finished(runId);
  return (await h.store.getRun(runId))!;
}

export function dedupeStep(run: RunWithSteps, nodeId = "dd") {
  const step = run.steps.find((s) => s.nodeId === nodeId);
  expect(step, `run ${run.id} has no step for ${nodeId}`).toBeDefined();
  return step!;
}

/** Which port the run's dedupe node took. */
export function outcomeOf(run: RunWithSteps, nodeId = "dd"): "out" | "duplicate" {
  const step = dedupeStep(run, nodeId);
  if (step.outputs.out?.length) return "out";
  if (step.outputs.duplicate?.length) return "duplicate";
  throw new Error(`dedupe step of ${run.id} has neither port: ${JSON.stringify(step)}`);
}
