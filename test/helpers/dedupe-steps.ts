import type { StepRecord } from "../../engine/index.ts";

/**
 * The journal entry a dedupe node leaves when it claims `key` first: its meta names the scope and
 * key, which is how a store finds the keys of a run that fails (engine/nodes/dedupe.ts).
 */
export function dedupeStep(seq: number, scope: string, key: string, at: number): StepRecord {
  return {
    seq,
    nodeId: "d",
    nodeType: "dedupe",
    status: "succeeded",
    inputRef: { seq: 1, port: "out", index: 0 },
    outputs: { out: [{}] },
    attempts: 1,
    startedAt: at,
    finishedAt: at,
    meta: { key, scope, window: "24h", outcome: "first" },
  };
}
