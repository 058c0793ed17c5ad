import type { Message, PortOutputs, Step } from "../model/index.ts";
import type { NewRun, StepRecord } from "./types.ts";
import { isoTime } from "../iso-time.ts";

/** Steps as the API shows them: each input resolved from its parent's output (stored once). */
export function materialiseSteps(records: StepRecord[]): Step[] {
  const bySeq = new Map(records.map((r) => [r.seq, r]));
  return records.map((r) => {
    let input: Message | null = null;
    if (r.inputRef) input = bySeq.get(r.inputRef.seq)?.outputs[r.inputRef.port]?.[r.inputRef.index] ?? null;
    const step: Step = {
      seq: r.seq,
      nodeId: r.nodeId,
      nodeType: r.nodeType,
      status: r.status,
      input,
      outputs: r.outputs,
      attempts: r.attempts,
      startedAt: isoTime(r.startedAt),
      finishedAt: isoTime(r.finishedAt),
    };
    if (r.error) step.error = r.error;
    if (r.meta) step.meta = r.meta;
    return step;
  });
}

/** Step 1 of every run: the trigger, whose output is the trigger message. */
export function triggerStep(run: Pick<NewRun, "triggerNodeId" | "triggerType" | "message" | "now">): StepRecord {
  return {
    seq: 1,
    nodeId: run.triggerNodeId,
    nodeType: run.triggerType,
    status: "succeeded",
    inputRef: null,
    outputs: { out: [run.message] },
    attempts: 1,
    startedAt: run.now,
    finishedAt: run.now,
  };
}

/** The first seq not reserved by a new run's frontier or its reused journal. */
export function nextSeqAfter(run: Pick<NewRun, "frontier" | "seedSteps">): number {
  let max = 1;
  for (const item of run.frontier) max = Math.max(max, item.seq);
  for (const step of run.seedSteps ?? []) max = Math.max(max, step.seq);
  return max + 1;
}

/** Where a step's outputs are its input message itself (see StepRecord.passed). */
export function passedThrough(outputs: PortOutputs, input: Message): Record<string, number[]> | undefined {
  if (input === null || typeof input !== "object") return undefined;
  let passed: Record<string, number[]> | undefined;
  for (const [port, messages] of Object.entries(outputs)) {
    messages.forEach((message, index) => {
      if (message === input) ((passed ??= {})[port] ??= []).push(index);
    });
  }
  return passed;
}

/** The outputs as stored: passed-through messages left out (null), kept once in the parent. */
export function storedOutputs(step: Pick<StepRecord, "outputs" | "passed">): PortOutputs {
  if (!step.passed) return step.outputs;
  const stored: PortOutputs = { ...step.outputs };
  for (const [port, indexes] of Object.entries(step.passed)) {
    stored[port] = (step.outputs[port] ?? []).map((message, index) => (indexes.includes(index) ? null : message));
  }
  return stored;
}

/** Puts passed-through messages back from their parents' outputs; `records` in seq order. */
export function restorePassed(records: StepRecord[]): StepRecord[] {
  let bySeq: Map<number, StepRecord> | undefined;
  for (const record of records) {
    if (!record.passed || !record.inputRef) continue;
    bySeq ??= new Map(records.map((r) => [r.seq, r]));
    const { seq, port, index } = record.inputRef;
    const parent = bySeq.get(seq);
    const input = (parent?.payload ?? parent?.outputs)?.[port]?.[index] ?? null;
    for (const [out, indexes] of Object.entries(record.passed)) {
      const messages = record.outputs[out];
      if (messages) for (const i of indexes) messages[i] = input;
    }
  }
  return records;
}

/**
 * The dedupe keys a run claimed, from its journal: a dedupe step that came first names its scope
 * and key in its meta (nodes/dedupe.ts). A store frees them when the run fails.
 */
export function claimedDedupeKeys(steps: Iterable<Pick<StepRecord, "nodeType" | "meta">>): { scope: string; key: string }[] {
  const claimed: { scope: string; key: string }[] = [];
  for (const { nodeType, meta } of steps) {
    if (nodeType !== "dedupe" || meta?.outcome !== "first") continue;
    if (typeof meta.scope === "string" && typeof meta.key === "string") claimed.push({ scope: meta.scope, key: meta.key });
  }
  return claimed;
}
