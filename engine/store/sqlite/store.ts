import Database from "better-sqlite3";
import type { FlowDocument, FlowInput, Message, RunStatus, RunWithSteps } from "../../model/index.ts";
import { newId } from "../../ids.ts";
import { materialiseSteps } from "../journal.ts";
import {
  LeaseLostError,
  VersionConflictError,
  type ClaimedRun,
  type CommitStep,
  type EnqueueResult,
  type FinishRun,
  type FlowVersionInfo,
  type NewRun,
  type ParkRun,
  type RunCounts,
  type RunPage,
  type RunQuery,
  type StepRecord,
  type Store,
  type TriggerFire,
} from "../types.ts";
import type { CrashHook } from "../../runtime/crash-points.ts";
import { applyDurabilityPragmas, syncsOffLoop, WalCheckpointer, type CheckpointPolicy, type DurabilityOptions } from "./durability.ts";
import { SqliteCredentials } from "./credentials.ts";
import { SqliteDedupeKeys } from "./dedupe-keys.ts";
import { GroupCommit, type GroupCommitOptions } from "./group-commit.ts";
import { SQLITE_MIGRATIONS } from "./migrations.ts";
import { RunCountsOnInsert } from "./run-counts.ts";
import { SqliteRetention } from "./retention.ts";
import { flowFromRow, journalFromRows, runFromRow, stepRowValues, type RunRow, type StepRow } from "./rows.ts";
import { prepareStatements, type Statements } from "./statements.ts";
import { PendingRuns, rowStateOf, type RunRowState } from "./pending-runs.ts";
import { RunQueries } from "./run-queries.ts";
import { stepKey } from "./step-keys.ts";
import { WalSync } from "./wal-sync.ts";
import { isoTime } from "../../iso-time.ts";

export interface SqliteStoreOptions extends DurabilityOptions {
  /** File path, or ":memory:". */
  filename: string;
  /** Runs one page of the run listing may examine when a filter is checked run by run (default 10,000). */
  scanBudget?: number;
  /** Group commit tuning; `{ enabled: false }` only for the benchmark baseline. */
  groupCommit?: Omit<GroupCommitOptions, "crash">;
  /** WAL size policy; `false` leaves checkpoints to SQLite's automatic PASSIVE ones. */
  checkpoint?: Partial<CheckpointPolicy> | false;
  /** Fault injection for the crash tests. */
  crash?: CrashHook;
}

export class SqliteStore implements Store {
  readonly kind = "sqlite" as const;
  readonly writesInOrder = true;
  readonly db: Database.Database;
  readonly writes: GroupCommit;
  readonly checkpointer?: WalCheckpointer;
  private readonly sql: Statements;
  readonly runQueries: RunQueries;
  private readonly retention: SqliteRetention;
  private readonly credentials: SqliteCredentials;
  private readonly keys: SqliteDedupeKeys;
  private readonly pending: PendingRuns;
  private readonly counts: RunCountsOnInsert;

  constructor(options: SqliteStoreOptions) {
    this.db = new Database(options.filename);
    applyDurabilityPragmas(this.db, options);
    this.db.pragma("foreign_keys = OFF");
    migrate(this.db);
    this.sql = prepareStatements(this.db);
    this.runQueries = new RunQueries(this.db, options.scanBudget);
    const sync = syncsOffLoop(this.db, options) ? new WalSync(`${this.db.name}-wal`, { thread: options.syncThread }) : undefined;
    this.writes = new GroupCommit(this.db, { ...options.groupCommit, crash: options.crash, sync });
    this.retention = new SqliteRetention(this.db, this.sql, this.writes, options.crash);
    this.credentials = new SqliteCredentials(this.db, this.writes);
    this.keys = new SqliteDedupeKeys(this.db, this.writes);
    this.counts = new RunCountsOnInsert(this.db, this.writes);
    this.pending = new PendingRuns((insert) => this.writes.atCommit(insert, { atomic: true }), (state) => this.insertRunRow(state, "at-commit"));
    if (options.checkpoint !== false) {
      const checkpointer = new WalCheckpointer(this.db, options.checkpoint).start();
      this.writes.onCommitted(() => checkpointer.afterCommit());
      this.checkpointer = checkpointer;
    }
  }

  async createFlow(input: FlowInput, now: number): Promise<FlowDocument> {
    return this.writes.run(() => {
      const doc: FlowDocument = { ...input, id: newId("flw", now), version: 1 };
      const text = JSON.stringify(doc);
      this.sql.insertFlow.run(doc.id, doc.name, doc.active ? 1 : 0, 1, text, now, now);
      this.sql.insertFlowVersion.run(doc.id, 1, doc.name, text, now);
      return flowFromRow(text, { created_at: now, updated_at: now });
    });
  }

  async updateFlow(id: string, input: FlowInput, expectedVersion: number, now: number): Promise<FlowDocument> {
    return this.writes.run(() => {
      const row = this.sql.getFlow.get(id) as { doc: string; version: number; created_at: number; updated_at: number } | undefined;
      if (!row) throw new FlowNotFoundError(id);
      if (row.version !== expectedVersion) throw new VersionConflictError(flowFromRow(row.doc, row));
      const doc: FlowDocument = { ...input, id, version: row.version + 1 };
      const text = JSON.stringify(doc);
      this.sql.updateFlow.run(doc.name, doc.active ? 1 : 0, doc.version, text, now, id);
      this.sql.insertFlowVersion.run(id, doc.version, doc.name, text, now);
      return flowFromRow(text, { created_at: row.created_at, updated_at: now });
    });
  }

  async getFlow(id: string, version?: number): Promise<FlowDocument | undefined> {
    if (version !== undefined) {
      const row = this.sql.getFlowVersion.get(id, version) as { doc: string } | undefined;
      return row ? flowFromRow(row.doc, {}) : undefined;
    }
    const row = this.sql.getFlow.get(id) as { doc: string; created_at: number; updated_at: number } | undefined;
    return row ? flowFromRow(row.doc, row) : undefined;
  }

  async listFlows(): Promise<FlowDocument[]> {
    const rows = this.sql.listFlows.all() as { doc: string; created_at: number; updated_at: number }[];
    return rows.map((row) => flowFromRow(row.doc, row));
  }

  async listFlowVersions(id: string): Promise<FlowVersionInfo[] | undefined> {
    if (!this.sql.getFlow.get(id)) return undefined;
    const rows = this.sql.listFlowVersions.all(id) as { version: number; name: string; saved_at: number }[];
    return rows.map((r) => ({ version: r.version, name: r.name, savedAt: isoTime(r.saved_at) }));
  }

  async deleteFlow(id: string): Promise<boolean> {
    return this.writes.run(() => this.sql.deleteFlow.run(id).changes > 0);
  }

  async enqueueRun(run: NewRun): Promise<EnqueueResult> {
    // Leased to this process and no replay to look for: inserted at the commit, in its state then.
    if (run.leaseTo && !run.idempotency) return this.pending.add(run);
    return this.writes.run(() => this.insertRun(run));
  }

  async fireTrigger(fire: TriggerFire): Promise<{ fired: boolean }> {
    return this.writes.run(() => {
      if (this.sql.advanceTriggerTick.run(fire.flowId, fire.nodeId, fire.tick, fire.now).changes === 0) return { fired: false };
      for (const run of fire.runs) this.insertRun(run);
      return { fired: true };
    });
  }

  async lastTriggerTick(flowId: string, nodeId: string): Promise<number | undefined> {
    return (this.sql.getTriggerTick.get(flowId, nodeId) as { tick: number } | undefined)?.tick;
  }

  /** Inside a write transaction: the run row, its idempotency key and its journal so far. */
  private insertRun(run: NewRun): EnqueueResult {
    if (run.idempotency) {
      const { scope, key, expiresAt } = run.idempotency;
      const existing = this.sql.getIdempotency.get(scope, key, run.now) as { run_id: string } | undefined;
      if (existing) return { runId: existing.run_id, replayed: true };
      this.sql.putIdempotency.run(scope, key, run.id, expiresAt);
    }
    this.insertRunRow(rowStateOf(run), "now");
    return { runId: run.id, replayed: false };
  }

  /**
   * Atomic (see WriteOptions): every value is ready before the first statement, and when a step's
   * insert fails the run's row and steps are taken back out.
   */
  private insertRunRow(state: RunRowState, counted: "now" | "at-commit"): void {
    const { run } = state;
    const steps = [...state.steps.values()];
    const rows = steps.map((step) => stepRowValues(0, step));
    const { lastInsertRowid } = this.sql.insertRun.run(
      run.id,
      run.flowId,
      run.flowVersion,
      run.triggerNodeId,
      run.triggerType,
      state.status,
      state.error,
      run.now,
      state.startedAt,
      state.finishedAt,
      state.leaseOwner,
      state.leaseUntil,
      state.availableAt,
      JSON.stringify(state.frontier),
      state.nextSeq,
      run.retryOf ?? null,
    );
    const num = Number(lastInsertRowid);
    try {
      rows.forEach((values, i) => {
        values[0] = stepKey(num, steps[i]!.seq);
        this.sql.insertStep.run(...values);
      });
    } catch (error) {
      this.sql.deleteStepsOfNum.run(num, num);
      this.sql.deleteRunOfNum.run(num);
      throw error;
    }
    if (counted === "now") this.counts.now(run.flowId, state.status);
    else this.counts.atCommit(run.flowId, state.status);
  }

  async claimRuns(owner: string, limit: number, leaseUntil: number, now: number): Promise<ClaimedRun[]> {
    // A look first, outside any write: most rounds under load find nothing, and as a write each
    // waited for a commit, long enough for a finishing run to ask for the next round (40–90 a second).
    if (limit <= 0 || !this.sql.anyClaimable.get(now, now)) return [];
    return this.writes.run(() => {
      const rows = this.sql.claimRuns.all(owner, leaseUntil, now, now, now, limit) as (RunRow & {
        num: number;
        frontier: string;
        next_seq: number;
      })[];
      return rows.map((row) => ({
        run: runFromRow({ ...row, flow_name: null }),
        steps: journalFromRows(this.sql.getStepsOfNum.all(row.num, row.num) as StepRow[]),
        frontier: JSON.parse(row.frontier),
        nextSeq: row.next_seq,
      }));
    });
  }

  async renewLeases(owner: string, runIds: string[], leaseUntil: number): Promise<string[]> {
    if (runIds.length === 0) return [];
    const { kept, others } = this.pending.renew(owner, runIds, leaseUntil);
    if (others.length === 0) return kept;
    return [...kept, ...(await this.writes.run(() => others.filter((id) => this.sql.renewLease.run(leaseUntil, id, owner).changes > 0)))];
  }

  async commitStep(commit: CommitStep): Promise<void> {
    const folded = this.pending.commitStep(commit);
    if (folded) return folded;
    return this.writes.run(() => {
      const updated = this.sql.updateFrontier.get(JSON.stringify(commit.frontier), commit.nextSeq, commit.runId, commit.owner) as RunNum | undefined;
      if (!updated) throw new LeaseLostError(commit.runId);
      for (const step of commit.steps) this.sql.insertStep.run(...stepRowValues(updated.num, step));
    });
  }

  async parkRun(park: ParkRun): Promise<void> {
    const folded = this.pending.parkRun(park);
    if (folded) return folded;
    return this.writes.run(() => {
      const updated = this.sql.parkRun.run(JSON.stringify(park.frontier), park.nextSeq, park.availableAt, park.runId, park.owner);
      if (updated.changes === 0) throw new LeaseLostError(park.runId);
    });
  }

  async finishRun(finish: FinishRun): Promise<void> {
    const folded = this.pending.finishRun(finish);
    if (folded) {
      if (finish.status !== "failed") return folded;
      const journal = this.pending.steps(finish.runId);
      await Promise.all([folded, this.writes.run(() => this.keys.releaseFailedRun(finish.runId, journal))]);
      return;
    }
    return this.writes.run(() => {
      const error = finish.error === undefined ? null : JSON.stringify(finish.error);
      const updated = this.sql.finishRun.get(finish.status, error, finish.now, finish.runId, finish.owner) as RunNum | undefined;
      if (!updated) throw new LeaseLostError(finish.runId);
      for (const step of finish.steps) this.sql.insertStep.run(...stepRowValues(updated.num, step));
      this.sql.dropPayloads.run(finish.runId, finish.runId);
      if (finish.status === "failed") this.keys.releaseFailedRun(finish.runId);
    });
  }

  async releaseRuns(owner: string, runIds: string[]): Promise<void> {
    if (runIds.length === 0) return;
    const { others, written } = this.pending.release(owner, runIds);
    await Promise.all([
      ...written,
      this.writes.run(() => {
        for (const id of others) this.sql.releaseRun.run(id, owner);
      }),
    ]);
  }

  async cancelRun(runId: string, now: number): Promise<RunStatus | undefined> {
    const folded = this.pending.cancel(runId, now);
    if (folded) return folded;
    return this.writes.run(() => {
      if (this.sql.cancelRun.run(now, runId).changes > 0) this.sql.dropPayloads.run(runId, runId);
      const row = this.sql.getRunStatus.get(runId) as { status: RunStatus } | undefined;
      return row?.status;
    });
  }

  async getRun(id: string): Promise<RunWithSteps | undefined> {
    const row = this.sql.getRun.get(id) as RunRow | undefined;
    if (!row) return undefined;
    return { ...runFromRow(row), steps: materialiseSteps(await this.getJournal(id)) };
  }

  async getJournal(id: string): Promise<StepRecord[]> {
    return journalFromRows(this.sql.getSteps.all(id, id) as StepRow[]);
  }

  async getRunMessage(id: string): Promise<Message | undefined> {
    const row = this.sql.getTriggerOutputs.get(id) as { outputs: string } | undefined;
    return row ? (JSON.parse(row.outputs).out?.[0] as Message) : undefined;
  }

  async listRuns(query: RunQuery): Promise<RunPage> {
    return this.runQueries.list(query);
  }

  async countRuns(flowId?: string): Promise<Record<string, RunCounts>> {
    return this.runQueries.counts(flowId);
  }

  async findRunByIdempotencyKey(scope: string, key: string, now: number): Promise<string | undefined> {
    const row = this.sql.getIdempotency.get(scope, key, now) as { run_id: string } | undefined;
    return row?.run_id;
  }

  // Retention's batches live in retention.ts.
  readonly pruneRuns: Store["pruneRuns"] = (rule, limit) => this.retention.prune(rule, limit);
  readonly flowIdsWithRuns: Store["flowIdsWithRuns"] = (after, limit) => this.retention.flowIdsWithRuns(after, limit);

  // Dedupe keys and their pruning live in dedupe-keys.ts.
  readonly claimDedupeKey: Store["claimDedupeKey"] = (claim) => this.keys.claim(claim);
  readonly claimDedupeKeyEarly: NonNullable<Store["claimDedupeKeyEarly"]> = (claim) => this.keys.claimEarly(claim);
  readonly getDedupeKey: Store["getDedupeKey"] = (scope, key, now) => this.keys.get(scope, key, now);
  readonly deleteDedupeKeys: Store["deleteDedupeKeys"] = (scope, key) => this.keys.delete(scope, key);
  readonly pruneExpiredKeys: Store["pruneExpiredKeys"] = (now, limit) => this.keys.prune(now, limit);

  writeStats = () => ({ commits: this.writes.batches, writes: this.writes.writes, syncs: this.writes.syncs });
  // Credentials live in credentials.ts.
  readonly createCredential: Store["createCredential"] = (credential) => this.credentials.create(credential);
  readonly listCredentials: Store["listCredentials"] = () => this.credentials.list();
  readonly getCredential: Store["getCredential"] = (id) => this.credentials.get(id);
  readonly updateCredential: Store["updateCredential"] = (id, update) => this.credentials.update(id, update);
  readonly deleteCredential: Store["deleteCredential"] = (id) => this.credentials.remove(id);

  async close(): Promise<void> {
    this.checkpointer?.stop();
    this.writes.close();
    this.db.close();
  }
}

/** What the run updates that journal steps return: the row number their keys are made of. */
type RunNum = { num: number };

export class FlowNotFoundError extends Error {
  readonly code = "NOT_FOUND";
  constructor(id: string) {
    super(`no flow with id ${id}`);
  }
}

function migrate(db: Database.Database): void {
  db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
  const applied = (db.prepare("SELECT max(version) AS v FROM schema_migrations").get() as { v: number | null }).v ?? 0;
  SQLITE_MIGRATIONS.forEach((sql, index) => {
    const version = index + 1;
    if (version <= applied) return;
    db.transaction(() => {
      db.exec(sql);
      db.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)").run(version, Date.now());
    }).immediate();
  });
}
