import type {
  FlowDocument,
  FlowInput,
  Message,
  MessageRef,
  PortOutputs,
  Run,
  RunStatus,
  RunWithSteps,
  StepError,
  StepStatus,
} from "../model/index.ts";
import type { Relay } from "./relay.ts";

/** A unit of pending work in a run: deliver a message to a node. Seq is reserved up front. */
export interface FrontierItem {
  seq: number;
  nodeId: string;
  from: MessageRef;
  /** n-th execution of this node in the run (Idempotency-Key); fixed when scheduled. */
  execution: number;
  /** Deferred (delay node) until this time, in ms since the epoch. */
  wakeAt?: number;
}

/** A journal entry as the executor writes it; `input` is a reference, never a copy. */
export interface StepRecord {
  seq: number;
  nodeId: string;
  nodeType: string;
  status: StepStatus;
  inputRef: MessageRef | null;
  outputs: PortOutputs;
  error?: StepError;
  attempts: number;
  startedAt: number;
  finishedAt: number;
  meta?: Record<string, unknown>;
  /**
   * The full outputs when `outputs` holds the log's truncated view (RUNNEL_MAX_STEP_BYTES).
   * Kept only while the run is unfinished, so a resumed run passes downstream exactly what
   * the first attempt would have; dropped when the run finishes or is canceled.
   */
  payload?: PortOutputs;
  /**
   * Output positions holding the step's input message unchanged (a filter or dedupe passing it
   * on): stored once, as the parent's output, and put back when the journal is read.
   */
  passed?: Record<string, number[]>;
  /** The stored outputs' JSON when the executor already serialised them (not itself stored). */
  outputsJson?: string;
}

export interface NewRun {
  id: string;
  flowId: string;
  flowVersion: number;
  triggerNodeId: string;
  triggerType: string;
  message: Message;
  /** Work scheduled from the trigger's output (step 1). */
  frontier: FrontierItem[];
  now: number;
  /** Ingress idempotency: a second enqueue with the same scope+key returns the first run. */
  idempotency?: { scope: string; key: string; expiresAt: number };
  retryOf?: string;
  /**
   * Journal to copy from the original run (retry from a node): steps keep their seq, inputs stay
   * references; each carries `meta.reusedFrom` (the original run id). Includes step 1 when given.
   */
  seedSteps?: StepRecord[];
  /** Lease the run to this owner at once (the in-process worker's fast path). */
  leaseTo?: { owner: string; until: number };
}

export interface EnqueueResult {
  runId: string;
  /** True when an idempotency key matched an earlier run: no new run was created. */
  replayed: boolean;
}

/** A time-based trigger (schedule tick, poll slot) firing, with the runs it starts. */
export interface TriggerFire {
  flowId: string;
  nodeId: string;
  /** The schedule tick or poll slot this fire is for, in ms since the epoch. */
  tick: number;
  /** Runs to enqueue with the fire; may be empty (a poll that found no items). */
  runs: NewRun[];
  now: number;
}

/** Everything a worker needs to resume a run. */
export interface ClaimedRun {
  run: Run;
  steps: StepRecord[];
  frontier: FrontierItem[];
  nextSeq: number;
}

/** Journals finished steps (possibly several, pipelined) together with the new frontier. */
export interface CommitStep {
  runId: string;
  owner: string;
  steps: StepRecord[];
  frontier: FrontierItem[];
  nextSeq: number;
}

export interface FinishRun {
  runId: string;
  owner: string;
  status: Extract<RunStatus, "succeeded" | "failed">;
  error?: StepError;
  /** Steps not journaled yet, written in the same transaction. */
  steps: StepRecord[];
  now: number;
}

export interface ParkRun {
  runId: string;
  owner: string;
  frontier: FrontierItem[];
  nextSeq: number;
  availableAt: number;
}

/**
 * The run listing. Runs come newest first, ordered by (createdAt, id) descending, so a page
 * boundary stays put while new runs arrive: they sort before any cursor already handed out.
 */
export interface RunQuery {
  /** Exact matches. */
  flowId?: string;
  status?: RunStatus;
  /** The trigger node's type (`webhook`, `manual`, `schedule`, …). */
  triggerType?: string;
  /** createdAt >= since (ms since the epoch). */
  since?: number;
  /** createdAt < until (ms since the epoch). */
  until?: number;
  /**
   * Substring of the trigger message (step 1's output) as stored JSON text, case-insensitive
   * for ASCII letters; meant for values (an id, an e-mail, a ref), not for JSON syntax.
   */
  text?: string;
  limit: number;
  /** A `nextCursor` from an earlier page (engine/store/run-cursor.ts; opaque to clients). */
  cursor?: string;
}

export interface RunPage {
  runs: Run[];
  /** null on the last page. */
  nextCursor: string | null;
}

/** How many runs of one flow are in each status. */
export type RunCounts = Record<RunStatus, number>;
/** Which finished runs retention deletes (runs still queued or running are never touched). */
export type PruneRule =
  /** Runs created before this time (ms since the epoch). */
  | { createdBefore: number }
  /** Runs of one flow older than its `keepNewest` newest runs. */
  | { flowId: string; keepNewest: number };

export interface DedupeClaim {
  scope: string;
  key: string;
  runId: string;
  now: number;
  /** null = forever */
  expiresAt: number | null;
  /**
   * Which node execution of the run claims (`<nodeId>:<n>`; default ""). While the key lives, a
   * claim by the same run and execution (a resume after a crash) is still first; any other claim,
   * even a second execution within the same run, is a duplicate.
   */
  execution?: string;
  /** Whether `finishRun(failed)` frees this key again (default true). */
  releaseOnFailure?: boolean;
}

export type DedupeOutcome =
  | { first: true }
  | { first: false; firstRunId: string; firstSeenAt: number };

/** A live dedupe key as the operator API shows it. */
export interface DedupeKeyState {
  scope: string;
  key: string;
  runId: string;
  firstSeenAt: number;
  /** null = forever */
  expiresAt: number | null;
  releaseOnFailure: boolean;
}

export interface FlowVersionInfo {
  version: number;
  name: string;
  savedAt: string;
}

/** A stored credential as anyone may see it: never its data. */
export interface CredentialInfo {
  id: string;
  name: string;
  type: string;
  createdAt: string;
  updatedAt: string;
}

/** What the engine alone reads: the info plus the encrypted data (AES-256-GCM blob). */
export interface StoredCredential extends CredentialInfo {
  encrypted: string;
}

export interface NewCredential {
  /** Chosen by the caller: the encryption binds the blob to this id. */
  id: string;
  name: string;
  type: string;
  encrypted: string;
  now: number;
}

export interface CredentialUpdate {
  name?: string;
  encrypted?: string;
  now: number;
}

/**
 * The persistence boundary: async domain operations, each atomic on its own. No generic
 * transaction leaks out, so SQLite (synchronous, group commit inside) and PostgreSQL
 * (pooled) implement the same contract and pass the same tests.
 */
export interface Store {
  readonly kind: "sqlite" | "postgres";
  /**
   * True when writes issued one after another (without awaiting) are applied in that order, so a
   * step may be journaled right behind its run's still-committing enqueue (SQLite's single
   * writer queue). A pooled backend says false and the executor waits for the enqueue first.
   */
  readonly writesInOrder: boolean;

  createFlow(input: FlowInput, now: number): Promise<FlowDocument>;
  /** Throws VersionConflictError when `expectedVersion` is not the stored one. */
  updateFlow(id: string, input: FlowInput, expectedVersion: number, now: number): Promise<FlowDocument>;
  getFlow(id: string, version?: number): Promise<FlowDocument | undefined>;
  listFlows(): Promise<FlowDocument[]>;
  listFlowVersions(id: string): Promise<FlowVersionInfo[] | undefined>;
  /** Returns false when there was no such flow. Its runs stay readable. */
  deleteFlow(id: string): Promise<boolean>;

  enqueueRun(run: NewRun): Promise<EnqueueResult>;
  /**
   * Records that trigger node (flowId, nodeId) fired for `fire.tick` and enqueues `fire.runs`,
   * in one transaction. Ticks only move forward: when the recorded tick of this node is already
   * >= `fire.tick` (another process, or this one before a restart, fired it), nothing is written
   * and `fired` is false. So a tick fires at most once, in one process or across a cluster.
   */
  fireTrigger(fire: TriggerFire): Promise<{ fired: boolean }>;
  /** The last tick recorded by fireTrigger for this trigger node, or undefined if it never fired. */
  lastTriggerTick(flowId: string, nodeId: string): Promise<number | undefined>;
  claimRuns(owner: string, limit: number, leaseUntil: number, now: number): Promise<ClaimedRun[]>;
  /** Extends the lease of runs still owned by `owner`; returns the ids still owned. */
  renewLeases(owner: string, runIds: string[], leaseUntil: number): Promise<string[]>;
  /** Journals steps with the new frontier; throws LeaseLostError if the run is no longer ours. */
  commitStep(commit: CommitStep): Promise<void>;
  /** Lets go of a run whose remaining work is all deferred until `availableAt`. */
  parkRun(park: ParkRun): Promise<void>;
  finishRun(finish: FinishRun): Promise<void>;
  /** Hands runs back to the queue (graceful shutdown). */
  releaseRuns(owner: string, runIds: string[]): Promise<void>;
  /** queued/running → canceled; returns the run's status afterwards, or undefined if unknown. */
  cancelRun(runId: string, now: number): Promise<RunStatus | undefined>;

  getRun(id: string): Promise<RunWithSteps | undefined>;
  /** The journal with outputs, as the executor or a retry needs it. */
  getJournal(id: string): Promise<StepRecord[]>;
  getRunMessage(id: string): Promise<Message | undefined>;
  listRuns(query: RunQuery): Promise<RunPage>;
  /**
   * Runs per status per flow, every status present (0 when none): `{ [flowId]: RunCounts }`.
   * With `flowId`, just that flow (present even when it has no runs); without, every flow that
   * has runs, deleted flows included (their runs stay readable). Cheap enough to call on every
   * live update: it must not scan the runs.
   */
  countRuns(flowId?: string): Promise<Record<string, RunCounts>>;
  findRunByIdempotencyKey(scope: string, key: string, now: number): Promise<string | undefined>;

  /** Deletes up to `limit` finished runs matching the rule, with their steps; returns how many. */
  pruneRuns(rule: PruneRule, limit: number): Promise<number>;
  /** Flow ids that have runs, ascending, after `after` (retention walks them a few at a time). */
  flowIdsWithRuns(after: string | undefined, limit: number): Promise<string[]>;
  /** Credentials (DESIGN §10): the store keeps only encrypted data; ids are unique. */
  createCredential(credential: NewCredential): Promise<CredentialInfo>;
  /** Every credential, oldest first, without data. */
  listCredentials(): Promise<CredentialInfo[]>;
  /** With the encrypted data, for the engine only; never hand this to a client. */
  getCredential(id: string): Promise<StoredCredential | undefined>;
  /** Renames and/or replaces the data (rotation); undefined when there is no such credential. */
  updateCredential(id: string, update: CredentialUpdate): Promise<CredentialInfo | undefined>;
  /** Returns false when there was no such credential. */
  deleteCredential(id: string): Promise<boolean>;

  /**
   * Atomic (a unique scope+key): the first claim of a key that is absent or expired
   * (`expiresAt <= now`) wins; see DedupeClaim for re-claims. `finishRun` with status `failed`
   * deletes the run's keys claimed with `releaseOnFailure` in the same transaction.
   */
  claimDedupeKey(claim: DedupeClaim): Promise<DedupeOutcome>;
  /**
   * Optional, for stores that write in order: the same claim, but `outcome` resolves as soon as
   * it is decided and `durable` once it is committed. The run may route on the outcome at once;
   * nothing it does may leave the process before `durable` (the executor waits for it with the
   * run's next journal write).
   */
  claimDedupeKeyEarly?(claim: DedupeClaim): { outcome: Promise<DedupeOutcome>; durable: Promise<unknown> };
  /** The key if it is live at `now` (absent and expired keys alike → undefined). */
  getDedupeKey(scope: string, key: string, now: number): Promise<DedupeKeyState | undefined>;
  /** Deletes one key, or the whole scope when `key` is omitted (in short transactions); returns how many. */
  deleteDedupeKeys(scope: string, key?: string): Promise<number>;
  /**
   * Deletes up to `limit` expired dedupe keys and up to `limit` expired ingress idempotency keys in
   * one short transaction; returns how many rows went. Callers repeat while the result is >= limit.
   */
  pruneExpiredKeys(now: number, limit: number): Promise<number>;

  /** Write counters for /metrics: transactions committed and writes they carried (group commit). */
  writeStats?(): { commits: number; writes: number; syncs?: number };
  /**
   * Calls `listener` when another process enqueued or handed back runs (PostgreSQL NOTIFY), so
   * workers need not poll fast. Absent on a single-process store; returns an unsubscribe.
   */
  onWake?(listener: () => void): () => void;
  /** Live events and webhook replies between processes sharing this store; absent on SQLite. */
  readonly relay?: Relay;

  close(): Promise<void>;
}

export class VersionConflictError extends Error {
  readonly code = "VERSION_CONFLICT";
  constructor(readonly current: FlowDocument) {
    super(`flow ${current.id} is at version ${current.version}; reload it and apply your change again`);
  }
}

export class LeaseLostError extends Error {
  readonly code = "LEASE_LOST";
  constructor(readonly runId: string) {
    super(`run ${runId} is no longer leased to this worker`);
  }
}
