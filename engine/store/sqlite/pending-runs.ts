import type { RunStatus } from "../../model/index.ts";
import { nextSeqAfter, triggerStep } from "../journal.ts";
import { LeaseLostError, type CommitStep, type EnqueueResult, type FinishRun, type FrontierItem, type NewRun, type ParkRun, type StepRecord } from "../types.ts";

/** A run's row as it will be inserted: its state at the moment the batch commits. */
export interface RunRowState {
  run: NewRun;
  status: RunStatus;
  error: string | null;
  startedAt: number | null;
  finishedAt: number | null;
  leaseOwner: string | null;
  leaseUntil: number | null;
  availableAt: number;
  frontier: FrontierItem[];
  nextSeq: number;
  steps: Map<number, StepRecord>;
}

export function rowStateOf(run: NewRun): RunRowState {
  const leased = run.leaseTo !== undefined;
  const steps = new Map((run.seedSteps ?? []).map((s) => [s.seq, s]));
  if (!steps.has(1)) steps.set(1, triggerStep(run));
  return {
    run,
    status: leased ? "running" : "queued",
    error: null,
    startedAt: leased ? run.now : null,
    finishedAt: null,
    leaseOwner: run.leaseTo?.owner ?? null,
    leaseUntil: run.leaseTo?.until ?? null,
    availableAt: run.now,
    frontier: run.frontier,
    nextSeq: nextSeqAfter(run),
    steps,
  };
}

interface Pending {
  state: RunRowState;
  written: Promise<EnqueueResult>;
}

/**
 * Runs enqueued leased to this process wait here, not in the runs table, until their batch
 * commits: the run's own writes meanwhile (steps, finish, park, lease changes) fold into the row
 * about to be inserted. A webhook run that ends within one batch so costs one INSERT with its
 * final state instead of an INSERT and UPDATEs of a row with six indexes. The row is inserted in
 * the same transaction as every write issued before the commit (the run's dedupe claims
 * included); until then it is not durable, and so not visible to readers either.
 */
export class PendingRuns {
  private readonly rows = new Map<string, Pending>();

  constructor(
    /** Queues `insert` to run inside the next commit, after the writes already applied. */
    private readonly atCommit: (insert: () => EnqueueResult) => Promise<EnqueueResult>,
    private readonly insertRow: (state: RunRowState) => void,
  ) {}

  add(run: NewRun): Promise<EnqueueResult> {
    const state = rowStateOf(run);
    const written = this.atCommit(() => {
      this.rows.delete(run.id);
      this.insertRow(state);
      return { runId: run.id, replayed: false };
    });
    this.rows.set(run.id, { state, written });
    return written;
  }

  has(runId: string): boolean {
    return this.rows.has(runId);
  }

  /** The journal of a pending run so far (its row and steps are inserted at the commit). */
  steps(runId: string): StepRecord[] | undefined {
    const pending = this.rows.get(runId);
    return pending && [...pending.state.steps.values()];
  }

  /** The run's state while pending and leased to `owner`; undefined when not pending. */
  private owned(runId: string, owner: string): Pending | undefined {
    const pending = this.rows.get(runId);
    if (pending && pending.state.leaseOwner !== owner) throw new LeaseLostError(runId);
    return pending;
  }

  commitStep(commit: CommitStep): Promise<void> | undefined {
    const pending = this.owned(commit.runId, commit.owner);
    if (!pending) return undefined;
    for (const step of commit.steps) pending.state.steps.set(step.seq, step);
    pending.state.frontier = commit.frontier;
    pending.state.nextSeq = commit.nextSeq;
    return pending.written.then(() => undefined);
  }

  finishRun(finish: FinishRun): Promise<void> | undefined {
    const pending = this.owned(finish.runId, finish.owner);
    if (!pending) return undefined;
    const { state } = pending;
    for (const step of finish.steps) state.steps.set(step.seq, step);
    // A finished run keeps no resume payloads.
    for (const [seq, step] of state.steps) if (step.payload !== undefined) state.steps.set(seq, { ...step, payload: undefined });
    Object.assign(state, {
      status: finish.status,
      error: finish.error === undefined ? null : JSON.stringify(finish.error),
      finishedAt: finish.now,
      leaseOwner: null,
      leaseUntil: null,
      frontier: [],
    });
    return pending.written.then(() => undefined);
  }

  parkRun(park: ParkRun): Promise<void> | undefined {
    const pending = this.owned(park.runId, park.owner);
    if (!pending) return undefined;
    Object.assign(pending.state, { frontier: park.frontier, nextSeq: park.nextSeq, availableAt: park.availableAt, leaseOwner: null, leaseUntil: null });
    return pending.written.then(() => undefined);
  }

  /** Releases the pending ones among `runIds`; returns the others and what to wait for. */
  release(owner: string, runIds: string[]): { others: string[]; written: Promise<unknown>[] } {
    const others: string[] = [];
    const written: Promise<unknown>[] = [];
    for (const id of runIds) {
      const pending = this.rows.get(id);
      if (!pending) others.push(id);
      else if (pending.state.leaseOwner === owner) {
        Object.assign(pending.state, { leaseOwner: null, leaseUntil: null });
        written.push(pending.written);
      }
    }
    return { others, written };
  }

  /** Renews the pending ones among `runIds`; returns those it kept and the others. */
  renew(owner: string, runIds: string[], leaseUntil: number): { kept: string[]; others: string[] } {
    const kept: string[] = [];
    const others: string[] = [];
    for (const id of runIds) {
      const pending = this.rows.get(id);
      if (!pending) others.push(id);
      else if (pending.state.leaseOwner === owner) {
        pending.state.leaseUntil = leaseUntil;
        kept.push(id);
      }
    }
    return { kept, others };
  }

  /** Cancels a pending run that has not ended; undefined when the run is not pending. */
  cancel(runId: string, now: number): Promise<RunStatus> | undefined {
    const pending = this.rows.get(runId);
    if (!pending) return undefined;
    const { state } = pending;
    if (state.status === "queued" || state.status === "running") {
      Object.assign(state, { status: "canceled", finishedAt: now, leaseOwner: null, leaseUntil: null });
      for (const [seq, step] of state.steps) if (step.payload !== undefined) state.steps.set(seq, { ...step, payload: undefined });
    }
    return pending.written.then(() => state.status);
  }
}
