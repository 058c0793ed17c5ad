import type { Message } from "./flow.ts";

export const RUN_STATUSES = ["queued", "running", "succeeded", "failed", "canceled"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const STEP_STATUSES = ["succeeded", "failed", "skipped"] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export interface StepError {
  code: string;
  message: string;
  attempt?: number;
  details?: unknown;
}

/** Outputs of a step: messages per named output port. */
export type PortOutputs = Record<string, Message[]>;

/** Where a step's input came from: output `index` of `port` of step `seq`. */
export interface MessageRef {
  seq: number;
  port: string;
  index: number;
}

export interface Step {
  seq: number;
  nodeId: string;
  nodeType: string;
  status: StepStatus;
  input: Message | null;
  outputs: PortOutputs;
  error?: StepError;
  attempts: number;
  startedAt: string;
  finishedAt: string;
  /** Node-specific facts worth showing in the run log (e.g. a dedupe key). */
  meta?: Record<string, unknown>;
}

export interface Run {
  id: string;
  flowId: string;
  flowVersion: number;
  flowName?: string;
  triggerNodeId: string;
  triggerType: string;
  status: RunStatus;
  error?: StepError;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** Set when this run was started by a retry of another. */
  retryOf?: string;
}

export interface RunWithSteps extends Run {
  steps: Step[];
}
