import type { RunStatus, StepStatus } from "../../../engine/model/index.ts";
import type { RunDetail } from "../api-client.ts";

/** A run painted on the canvas: each node's outcome, looked up by node id. */
export interface RunOverlay {
  runId: string;
  status: RunStatus;
  nodes: Readonly<Record<string, NodeOutcome>>;
  /** Edges a message went through, as `source:port:target`. */
  traversed: ReadonlySet<string>;
  /** Each node's input in this run, for previewing expressions against real data. */
  inputs: Readonly<Record<string, unknown>>;
}

/** `unreached`: the run shown never got to this node. */
export type NodeOutcome = StepStatus | "duplicate" | "rejected" | "unreached";

export function overlayOf(run: RunDetail): RunOverlay {
  const nodes: Record<string, NodeOutcome> = {};
  const traversed = new Set<string>();
  const inputs: Record<string, unknown> = {};
  for (const step of run.steps) {
    const emitted = Object.entries(step.outputs).filter(([, messages]) => messages.length > 0).map(([port]) => port);
    let outcome: NodeOutcome = step.status;
    if (step.status === "succeeded" && emitted.length === 1 && emitted[0] === "duplicate") outcome = "duplicate";
    if (step.status === "succeeded" && emitted.length === 1 && emitted[0] === "rejected") outcome = "rejected";
    nodes[step.nodeId] = outcome;
    inputs[step.nodeId] = step.input;
    for (const port of emitted) traversed.add(`${step.nodeId}:${port}`);
  }
  return { runId: run.id, status: run.status, nodes, traversed, inputs };
}
