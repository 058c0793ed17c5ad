import type pg from "pg";
import type { CommitStep, FinishRun, StepRecord } from "../types.ts";
import { Batcher } from "./batcher.ts";
import { RUN_COLUMNS } from "./queries.ts";
import { STEP_ALIAS, STEP_ARRAY_TYPES, STEP_COLUMNS, STEP_UPSERT, STEP_WITHOUT_PAYLOAD, stepValues } from "./step-columns.ts";

/** A run row and its trigger step, as enqueueRun writes them on the common path. */
export interface RunInsert {
  run: unknown[];
  trigger: StepRecord;
  /** False when the run is leased at enqueue: nobody needs waking. */
  wake: boolean;
}

const arrays = (first: number, types: string[]) => types.map((type, i) => `$${first + i}::${type}`).join(", ");
const RUN_TYPES = ["text[]", "text[]", "int[]", "text[]", "text[]", "text[]", "int8[]", "int8[]", "text[]", "int8[]", "int8[]", "text[]", "int[]", "text[]"];

const WAKE_PARAM = RUN_TYPES.length + STEP_ARRAY_TYPES.length + 1;
const ENQUEUE = `WITH run AS (INSERT INTO runs (${RUN_COLUMNS}) SELECT * FROM unnest(${arrays(1, RUN_TYPES)})),
  step AS (INSERT INTO steps (${STEP_COLUMNS}) SELECT * FROM unnest(${arrays(RUN_TYPES.length + 1, STEP_ARRAY_TYPES)}))
  SELECT pg_notify($${WAKE_PARAM}, '') WHERE $${WAKE_PARAM + 1}::boolean`;

/** Each item's frontier is written only where the lease is still its owner's; so are its steps. */
const COMMIT = `WITH input AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[]) AS i(id, owner, frontier, next_seq)),
  owned AS (UPDATE runs r SET frontier = i.frontier, next_seq = i.next_seq FROM input i
    WHERE r.id = i.id AND r.lease_owner = i.owner AND r.status = 'running' RETURNING r.id),
  step AS (INSERT INTO steps (${STEP_COLUMNS}) SELECT s.* FROM unnest(${arrays(5, STEP_ARRAY_TYPES)}) AS ${STEP_ALIAS}
    WHERE s.run_id IN (SELECT id FROM owned) ${STEP_UPSERT})
  SELECT id FROM owned`;

/** Ends each run still leased to its owner; a failed run frees the dedupe keys it claimed with releaseOnFailure. */
const FINISH = `WITH input AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[]) AS i(id, owner, status, error, finished_at)),
  fin AS (UPDATE runs r SET status = i.status, error = i.error, finished_at = i.finished_at, lease_owner = NULL,
    lease_until = NULL, frontier = '[]' FROM input i
    WHERE r.id = i.id AND r.lease_owner = i.owner AND r.status = 'running' RETURNING r.id, r.status),
  released AS (DELETE FROM dedupe_keys WHERE release_on_failure AND run_id IN (SELECT id FROM fin WHERE status = 'failed')),
  step AS (INSERT INTO steps (${STEP_COLUMNS}) SELECT ${STEP_WITHOUT_PAYLOAD} FROM unnest(${arrays(6, STEP_ARRAY_TYPES)}) AS ${STEP_ALIAS}
    WHERE s.run_id IN (SELECT id FROM fin) ${STEP_UPSERT}),
  -- Resume payloads are only for unfinished runs (rows the step CTE rewrites are left to it).
  dropped AS (UPDATE steps t SET payload = NULL WHERE t.run_id IN (SELECT id FROM fin) AND t.payload IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM unnest($6::text[], $7::int[]) AS x(run_id, seq) WHERE x.run_id = t.run_id AND x.seq = t.seq))
  SELECT id FROM fin`;

/** Rows as parallel column arrays, for one unnest() per statement. */
function columns(rows: unknown[][], width: number): unknown[][] {
  const out: unknown[][] = Array.from({ length: width }, () => []);
  for (const row of rows) row.forEach((value, i) => out[i]!.push(value));
  return out;
}

const stepColumns = (steps: { runId: string; step: StepRecord }[]) =>
  columns(steps.map(({ runId, step }) => stepValues(runId, step)), STEP_ARRAY_TYPES.length);

const IN_FLIGHT = 2;
const MAX_BATCH = 200;

/** The hot writes (enqueue, step journal, finish), each grouped into one statement per batch. */
export function batchedWrites(pool: pg.Pool, wakeChannel: string) {
  const enqueue = new Batcher<RunInsert, void>(
    async (items) => {
      const runs = columns(items.map((i) => i.run), RUN_TYPES.length);
      const steps = stepColumns(items.map((i) => ({ runId: String(i.run[0]), step: i.trigger })));
      await pool.query({ name: "runnel_enqueue_batch", text: ENQUEUE, values: [...runs, ...steps, wakeChannel, items.some((i) => i.wake)] });
      return items.map(() => undefined);
    },
    { maxInFlight: IN_FLIGHT, maxBatch: MAX_BATCH, key: (i) => String(i.run[0]) },
  );

  const commit = new Batcher<CommitStep, boolean>(
    async (items) => {
      const heads = columns(items.map((c) => [c.runId, c.owner, JSON.stringify(c.frontier), c.nextSeq]), 4);
      const steps = stepColumns(items.flatMap((c) => c.steps.map((step) => ({ runId: c.runId, step }))));
      const { rows } = await pool.query<{ id: string }>({ name: "runnel_commit_batch", text: COMMIT, values: [...heads, ...steps] });
      const owned = new Set(rows.map((r) => r.id));
      return items.map((c) => owned.has(c.runId));
    },
    { maxInFlight: IN_FLIGHT, maxBatch: MAX_BATCH, key: (c) => c.runId },
  );

  const finish = new Batcher<FinishRun, boolean>(
    async (items) => {
      const heads = columns(
        items.map((f) => [f.runId, f.owner, f.status, f.error === undefined ? null : JSON.stringify(f.error), f.now]),
        5,
      );
      const steps = stepColumns(items.flatMap((f) => f.steps.map((step) => ({ runId: f.runId, step }))));
      const { rows } = await pool.query<{ id: string }>({ name: "runnel_finish_batch", text: FINISH, values: [...heads, ...steps] });
      const ended = new Set(rows.map((r) => r.id));
      return items.map((f) => ended.has(f.runId));
    },
    { maxInFlight: IN_FLIGHT, maxBatch: MAX_BATCH, key: (f) => f.runId },
  );

  return {
    enqueue,
    commit,
    finish,
    stats: () => ({ commits: enqueue.batches + commit.batches + finish.batches, writes: enqueue.items + commit.items + finish.items }),
  };
}
