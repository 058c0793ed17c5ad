import type { RunStatus } from "../../../engine/model/index.ts";
import type { RunDetail, RunStep } from "../runs-api.ts";

/** A run painted on the canvas: each node's outcome and steps, looked up by node id. */
export interface RunOverlay {
  runId: string;
  flowId: string;
  flowVersion: number | undefined;
  status: RunStatus;
  error: { code?: string; message: string } | null;
  retryOf: string | null;
  nodes: Readonly<Record<string, NodeOutcome>>;
  /** Every execution of each node, in journal order (several when a split fanned out). */
  steps: Readonly<Record<string, readonly RunStep[]>>;
  /** First journal seq that emitted on `node:port`. */
  emittedAt: Readonly<Record<string, number>>;
  /** Last journal seq of each node. */
  lastSeq: Readonly<Record<string, number>>;
  /** Each node's input in this run, for previewing expressions against real data. */
  inputs: Readonly<Record<string, unknown>>;
}

/** `unreached`: the run shown never got to this node. */
export type NodeOutcome = "succeeded" | "failed" | "skipped" | "duplicate" | "rejected" | "unreached";

/** When one node ran several times, the most telling outcome is shown. */
const RANK: Record<NodeOutcome, number> = { failed: 5, succeeded: 4, rejected: 3, duplicate: 2, skipped: 1, unreached: 0 };

export function stepOutcome(step: RunStep): NodeOutcome {
  if (step.status !== "succeeded") return step.status;
  if (step.meta?.outcome === "duplicate") return "duplicate";
  const emitted = emittedPorts(step);
  if (emitted.length === 1 && (emitted[0] === "duplicate" || emitted[0] === "rejected")) return emitted[0];
  return "succeeded";
}

function emittedPorts(step: RunStep): string[] {
  return Object.entries(step.outputs).filter(([, messages]) => messages.length > 0).map(([port]) => port);
}

export function overlayOf(run: RunDetail): RunOverlay {
  const nodes: Record<string, NodeOutcome> = {};
  const steps: Record<string, RunStep[]> = {};
  const emittedAt: Record<string, number> = {};
  const lastSeq: Record<string, number> = {};
  const inputs: Record<string, unknown> = {};
  for (const step of [...run.steps].sort((a, b) => a.seq - b.seq)) {
    const outcome = stepOutcome(step);
    const before = nodes[step.nodeId];
    if (!before || RANK[outcome] > RANK[before]) nodes[step.nodeId] = outcome;
    (steps[step.nodeId] ??= []).push(step);
    lastSeq[step.nodeId] = step.seq;
    if (!(step.nodeId in inputs)) inputs[step.nodeId] = step.input;
    for (const port of emittedPorts(step)) emittedAt[`${step.nodeId}:${port}`] ??= step.seq;
  }
  return {
    runId: run.id, flowId: run.flowId, flowVersion: run.flowVersion, status: run.status,
    error: run.error ?? null, retryOf: run.retryOf ?? null,
    nodes, steps, emittedAt, lastSeq, inputs,
  };
}

/**
 * Steps carry no input reference in the API, so an edge counts as taken when its source emitted
 * on its port and its target ran after that (a later journal seq).
 */
export function edgeTaken(run: RunOverlay, edge: { source: string; sourcePort: string; target: string }): boolean {
  const emitted = run.emittedAt[`${edge.source}:${edge.sourcePort}`];
  const target = run.lastSeq[edge.target];
  return emitted !== undefined && target !== undefined && target > emitted;
}

export const isFinished = (status: RunStatus): boolean => status !== "queued" && status !== "running";
