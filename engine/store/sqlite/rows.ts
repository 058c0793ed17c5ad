import type { FlowDocument, Run, RunStatus, StepStatus } from "../../model/index.ts";
import { restorePassed, storedOutputs } from "../journal.ts";
import type { StepRecord } from "../types.ts";
import { stepKey } from "./step-keys.ts";
import { isoTime } from "../../iso-time.ts";

export interface RunRow {
  id: string;
  flow_id: string;
  flow_version: number;
  flow_name: string | null;
  trigger_node_id: string;
  trigger_type: string;
  status: string;
  error: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  retry_of: string | null;
}

export interface StepRow {
  seq: number;
  node_id: string;
  node_type: string;
  status: string;
  input_ref: string | null;
  outputs: string;
  error: string | null;
  attempts: number;
  started_at: number;
  finished_at: number;
  meta: string | null;
  payload?: string | null;
  passed?: string | null;
}

export function runFromRow(row: RunRow): Run {
  const run: Run = {
    id: row.id,
    flowId: row.flow_id,
    flowVersion: row.flow_version,
    triggerNodeId: row.trigger_node_id,
    triggerType: row.trigger_type,
    status: row.status as RunStatus,
    createdAt: isoTime(row.created_at),
  };
  if (row.flow_name !== null) run.flowName = row.flow_name;
  if (row.error !== null) run.error = JSON.parse(row.error);
  if (row.started_at !== null) run.startedAt = isoTime(row.started_at);
  if (row.finished_at !== null) run.finishedAt = isoTime(row.finished_at);
  if (row.retry_of !== null) run.retryOf = row.retry_of;
  return run;
}

export function stepRecordFromRow(row: StepRow): StepRecord {
  const record: StepRecord = {
    seq: row.seq,
    nodeId: row.node_id,
    nodeType: row.node_type,
    status: row.status as StepStatus,
    inputRef: row.input_ref === null ? null : JSON.parse(row.input_ref),
    outputs: JSON.parse(row.outputs),
    attempts: row.attempts,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
  if (row.error !== null) record.error = JSON.parse(row.error);
  if (row.meta !== null) record.meta = JSON.parse(row.meta);
  if (row.payload) record.payload = JSON.parse(row.payload);
  if (row.passed) record.passed = JSON.parse(row.passed);
  return record;
}

/** A run's journal from its step rows (in seq order), passed-through outputs put back. */
export function journalFromRows(rows: StepRow[]): StepRecord[] {
  return restorePassed(rows.map(stepRecordFromRow));
}

/** The values of `insertStep` for a step of the run whose row number is `runNum`. */
export function stepRowValues(runNum: number, step: StepRecord): unknown[] {
  return stepFieldValues(step, [stepKey(runNum, step.seq)]);
}

/** `key` followed by a step's columns after its key (node_id … passed), as both stores write them. */
export function stepFieldValues(step: StepRecord, key: unknown[]): unknown[] {
  key.push(
    step.nodeId,
    step.nodeType,
    step.status,
    step.inputRef === null ? null : JSON.stringify(step.inputRef),
    step.outputsJson ?? JSON.stringify(storedOutputs(step)),
    step.error === undefined ? null : JSON.stringify(step.error),
    step.attempts,
    step.startedAt,
    step.finishedAt,
    step.meta === undefined ? null : JSON.stringify(step.meta),
    step.payload === undefined ? null : JSON.stringify(step.payload),
    step.passed === undefined ? null : JSON.stringify(step.passed),
  );
  return key;
}

export function flowFromRow(doc: string, extra: { created_at?: number; updated_at?: number }): FlowDocument {
  const flow = JSON.parse(doc) as FlowDocument;
  if (extra.created_at !== undefined) flow.createdAt = isoTime(extra.created_at);
  if (extra.updated_at !== undefined) flow.updatedAt = isoTime(extra.updated_at);
  return flow;
}
