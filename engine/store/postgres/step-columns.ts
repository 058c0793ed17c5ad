import { stepFieldValues } from "../sqlite/rows.ts";
import type { StepRecord } from "../types.ts";

/**
 * The steps table's columns: the run and seq, then those of `stepFieldValues` (shared with SQLite), with their
 * PostgreSQL types: every statement writing steps is built from this one list.
 */
const STEP_FIELDS = [
  ["run_id", "text"],
  ["seq", "int"],
  ["node_id", "text"],
  ["node_type", "text"],
  ["status", "text"],
  ["input_ref", "text"],
  ["outputs", "text"],
  ["error", "text"],
  ["attempts", "int"],
  ["started_at", "int8"],
  ["finished_at", "int8"],
  ["meta", "text"],
  ["payload", "text"],
  ["passed", "text"],
] as const;

const names = STEP_FIELDS.map(([name]) => name);

export const STEP_COLUMNS = names.join(", ");
export const STEP_ARRAY_TYPES = STEP_FIELDS.map(([, type]) => `${type}[]`);
/** `s(run_id, …)`: the alias naming unnest()'s columns. */
export const STEP_ALIAS = `s(${STEP_COLUMNS})`;
/** The select list of a finished run's last steps: a finished run keeps no resume payload. */
export const STEP_WITHOUT_PAYLOAD = names.map((name) => (name === "payload" ? "NULL" : `s.${name}`)).join(", ");
/** A step written again (a resumed run repeating its step in flight) replaces the old row. */
export const STEP_UPSERT = `ON CONFLICT (run_id, seq) DO UPDATE SET ${names
  .filter((name) => name !== "run_id" && name !== "seq")
  .map((name) => `${name} = EXCLUDED.${name}`)
  .join(", ")}`;

/** The row values of a step, checked against the column list so a new field cannot go unwritten. */
export function stepValues(runId: string, step: StepRecord): unknown[] {
  const values = stepFieldValues(step, [runId, step.seq]);
  if (values.length !== STEP_FIELDS.length) {
    throw new Error(`steps have ${values.length} fields but the PostgreSQL store writes ${STEP_FIELDS.length}: add the new column to step-columns.ts and a migration`);
  }
  return values;
}
