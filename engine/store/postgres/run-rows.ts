import { nextSeqAfter, triggerStep } from "../journal.ts";
import type { EnqueueResult, NewRun, StepRecord } from "../types.ts";
import type { Queryable } from "./connection.ts";
import { Q } from "./queries.ts";
import { stepValues } from "./step-columns.ts";
import { storedKey } from "./text.ts";

async function insertStep(db: Queryable, runId: string, step: StepRecord): Promise<void> {
  await db.query(Q.insertStep(...stepValues(runId, step)));
}

/** The runs row of a new run, in RUN_COLUMNS order. */
export function runRowValues(run: NewRun): unknown[] {
  const leased = run.leaseTo !== undefined;
  return [
    run.id, run.flowId, run.flowVersion, run.triggerNodeId, run.triggerType, leased ? "running" : "queued",
    run.now, leased ? run.now : null, run.leaseTo?.owner ?? null, run.leaseTo?.until ?? null, run.now,
    JSON.stringify(run.frontier), nextSeqAfter(run), run.retryOf ?? null,
  ];
}

/** Inside a transaction: the run row, its idempotency key, its journal so far, and a wake-up. */
export async function insertRun(db: Queryable, run: NewRun, wakeChannel: string): Promise<EnqueueResult> {
  if (run.idempotency) {
    const { scope, key, expiresAt } = run.idempotency;
    const upsert = Q.upsertIdempotency(storedKey(scope), storedKey(key), run.id, expiresAt, run.now);
    const holder = (await db.query<{ run_id: string }>(upsert)).rows[0]!;
    if (holder.run_id !== run.id) return { runId: holder.run_id, replayed: true };
  }
  await db.query(Q.insertRun(...runRowValues(run)));
  for (const step of run.seedSteps ?? []) await insertStep(db, run.id, step);
  if (!run.seedSteps?.some((s) => s.seq === 1)) await insertStep(db, run.id, triggerStep(run));
  // Several runs of one transaction share a notification: PostgreSQL folds identical ones.
  if (run.leaseTo === undefined) await db.query(Q.notify(wakeChannel, ""));
  return { runId: run.id, replayed: false };
}
