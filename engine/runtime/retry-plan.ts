import { EngineError } from "../errors.ts";
import type { FlowEdge, MessageRef } from "../model/index.ts";
import type { FrontierItem, StepRecord } from "../store/types.ts";

/** What a retry from a node starts with: the reused part of the journal and the work left. */
export interface RetryFromNodePlan {
  seedSteps: StepRecord[];
  frontier: FrontierItem[];
}

/**
 * Plans "retry from this node". The new run starts with one item per message the original run
 * delivered to the node: the ones the node executed (same seq, same input reference) and those
 * still waiting when the run ended, e.g. the rest of a fan-out after the first item failed (new
 * seqs after the journal). It keeps the steps those inputs came from, the node's ancestors in the
 * journal, with their seq and outputs, marked `meta.reusedFrom`. `edges` are those of the flow
 * version the original run ran on. Returns undefined when the node is the trigger: that is a
 * whole-run retry.
 */
export function planRetryFromNode(journal: StepRecord[], edges: FlowEdge[], nodeId: string, originalRunId: string): RetryFromNodePlan | undefined {
  const executed = journal.filter((step) => step.nodeId === nodeId).sort((a, b) => a.seq - b.seq);
  if (executed.length === 0) {
    throw new EngineError("NODE_NOT_REACHED", `node ${nodeId} did not run in run ${originalRunId}, so there is no input to retry it with`, {
      nodeId,
    });
  }
  if (executed.some((step) => step.inputRef === null)) return undefined;

  // Executed steps by the parent output they consumed (a list: parallel edges deliver twice).
  const executedByInput = new Map<string, number[]>();
  for (const step of executed) {
    const key = refKey(step.inputRef!);
    executedByInput.set(key, [...(executedByInput.get(key) ?? []), step.seq]);
  }
  let nextSeq = journal.reduce((max, step) => Math.max(max, step.seq), 1) + 1;
  const items: { seq: number; from: MessageRef }[] = [];
  const incoming = edges.filter((edge) => edge.target === nodeId);
  for (const parent of [...journal].sort((a, b) => a.seq - b.seq)) {
    for (const edge of incoming) {
      if (edge.source !== parent.nodeId) continue;
      (parent.outputs[edge.sourcePort] ?? []).forEach((_message, index) => {
        const from = { seq: parent.seq, port: edge.sourcePort, index };
        items.push({ seq: executedByInput.get(refKey(from))?.shift() ?? nextSeq++, from });
      });
    }
  }
  // Executions the edges do not explain (the flow changed under a running run) are kept as they were.
  for (const seqs of executedByInput.values()) {
    for (const seq of seqs) items.push({ seq, from: executed.find((step) => step.seq === seq)!.inputRef! });
  }
  items.sort((a, b) => a.seq - b.seq);

  const bySeq = new Map(journal.map((step) => [step.seq, step]));
  const ancestors = new Set<number>();
  const pending = items.map((item) => item.from.seq);
  while (pending.length > 0) {
    const seq = pending.pop()!;
    if (ancestors.has(seq)) continue;
    ancestors.add(seq);
    const parent = bySeq.get(seq)?.inputRef;
    if (parent) pending.push(parent.seq);
  }
  return {
    seedSteps: journal
      .filter((step) => ancestors.has(step.seq))
      .map((step) => ({ ...step, meta: { ...step.meta, reusedFrom: originalRunId } })),
    frontier: items.map((item, index) => ({ seq: item.seq, nodeId, from: item.from, execution: index + 1 })),
  };
}

/** True when no step of the run's journal was executed by the run itself (it has not started yet). */
export function isFreshJournal(steps: readonly StepRecord[]): boolean {
  return steps.every((step) => step.seq === 1 || step.meta?.reusedFrom !== undefined);
}

function refKey(ref: MessageRef): string {
  return `${ref.seq}:${ref.port}:${ref.index}`;
}
