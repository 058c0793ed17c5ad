/**
 * A step's row is keyed by one integer: its run's row number (`runs.num`) times STEP_SPAN plus its
 * seq. Steps are then a rowid table that a run's inserts append to, where a (run id, seq) key in
 * a WITHOUT ROWID table split index pages and wrote about twice the WAL frames (migration 8).
 */
export const STEP_SPAN = 1_048_576;

/** SQL for the first possible key of the run whose number is the expression `num`. */
export const firstStepKeySql = (num: string) => `(${num}) * ${STEP_SPAN}`;
/**
 * SQL selecting the keys of the run whose number is the expression `num`, which appears twice:
 * a statement's parameters in it are passed twice (better-sqlite3 has no numbered parameters).
 */
export const stepsOfRunSql = (num: string, key = "key") =>
  `${key} BETWEEN (${num}) * ${STEP_SPAN} AND (${num}) * ${STEP_SPAN} + ${STEP_SPAN - 1}`;
/** SQL reading a step's seq back from its key. */
export const SEQ_OF_KEY_SQL = `key % ${STEP_SPAN}`;

export function stepKey(runNum: number, seq: number): number {
  if (!Number.isSafeInteger(seq) || seq < 1 || seq >= STEP_SPAN) {
    throw new RangeError(`step seq ${seq} is outside 1..${STEP_SPAN - 1}, the steps one SQLite run can hold`);
  }
  return runNum * STEP_SPAN + seq;
}
