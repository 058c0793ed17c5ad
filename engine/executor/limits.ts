import type { Message, PortOutputs } from "../model/index.ts";
import { storedOutputs } from "../store/journal.ts";
import type { StepRecord } from "../store/types.ts";

export interface RunLimits {
  /** Steps one run may execute (a loop guard). */
  maxSteps: number;
  /** Bytes of one step's outputs kept in the run log; larger messages become markers. */
  maxStepBytes: number;
  /** Bytes of all step outputs of one run together; past it the run fails with RUN_DATA_LIMIT. */
  maxRunBytes: number;
}

const KB = 1024;
export const DEFAULT_RUN_LIMITS: RunLimits = { maxSteps: 10_000, maxStepBytes: 256 * KB, maxRunBytes: 32 * KB * KB };
/** The most steps a run may be allowed: SQLite keys a step by its run and a seq below 2^20 (step-keys.ts). */
export const MAX_STEPS_PER_RUN_CEILING = 1_000_000;

/** What the log keeps of a message too large to keep whole. */
export interface TruncatedMarker {
  $truncated: true;
  bytes: number;
  preview: string;
}

const PREVIEW_CHARS = 1_024;
/** Room a marker needs besides its preview, so markers alone still fit the step budget. */
const MARKER_OVERHEAD = 64;

export interface SizedOutputs {
  /** UTF-8 bytes of the outputs as JSON, as stored (messages passed on unchanged left out). */
  bytes: number;
  /** The outputs as the run log keeps them: equal to the input, or with markers. */
  logged: PortOutputs;
  truncated: boolean;
  /** The stored JSON when not truncated: the one serialisation the store then writes. */
  json?: string;
}

/**
 * Sizes what the store will write: the outputs without the messages `passed` on unchanged (they
 * are stored once, in the parent). Throws (a TypeError from JSON) when a node emitted something
 * JSON cannot hold. A truncated result is about the whole outputs (passing on no longer applies).
 */
export function sizeOutputs(outputs: PortOutputs, maxStepBytes: number, passed?: Record<string, number[]>): SizedOutputs {
  const json = JSON.stringify(passed ? storedOutputs({ outputs, passed }) : outputs);
  const bytes = Buffer.byteLength(json);
  if (bytes <= maxStepBytes) return { bytes, logged: outputs, truncated: false, json };
  let count = 0;
  for (const messages of Object.values(outputs)) count += messages.length;
  const share = Math.floor(maxStepBytes / Math.max(1, count));
  const logged: PortOutputs = {};
  for (const [port, messages] of Object.entries(outputs)) {
    logged[port] = messages.map((message) => truncateMessage(message, share));
  }
  return { bytes, logged, truncated: true };
}

function truncateMessage(message: Message, share: number): Message {
  const text = JSON.stringify(message) ?? "null";
  const bytes = Buffer.byteLength(text);
  if (bytes <= share) return message;
  const preview = text.slice(0, Math.max(0, Math.min(PREVIEW_CHARS, share - MARKER_OVERHEAD)));
  const marker: TruncatedMarker = { $truncated: true, bytes, preview };
  return marker as unknown as Message;
}

/**
 * Bytes of outputs a resumed run already holds (what counts against maxRunBytes), as stored. The
 * trigger's message does not count: RUNNEL_MAX_BODY bounds it, and a fresh run skips the work.
 */
export function journalBytes(steps: readonly StepRecord[]): number {
  let total = 0;
  for (const step of steps) {
    if (step.seq !== 1) total += Buffer.byteLength(JSON.stringify(step.payload ?? storedOutputs(step)));
  }
  return total;
}
