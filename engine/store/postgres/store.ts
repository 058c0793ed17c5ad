import type pg from "pg";
import type { FlowDocument, FlowInput, Message, RunStatus, RunWithSteps } from "../../model/index.ts";
import { idFloor, newId } from "../../ids.ts";
import { materialiseSteps, triggerStep } from "../journal.ts";
import type { Relay, RelayTopic } from "../relay.ts";
import { flowFromRow, journalFromRows, runFromRow, type RunRow, type StepRow } from "../sqlite/rows.ts";
import { FlowNotFoundError } from "../sqlite/store.ts";
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
  type PruneRule,
  type StepRecord,
  type Store,
  type TriggerFire,
} from "../types.ts";
import { batchedWrites } from "./batched-writes.ts";
import { PgCredentials } from "./credentials.ts";
import { clientConfig, createPool, inTransaction, type PgConnectionOptions } from "./connection.ts";
import { PgDedupeKeys } from "./dedupe-keys.ts";
import { FlowVersionCache } from "./flow-version-cache.ts";
import { migrate } from "./migrations.ts";
import { channelName, PgListener } from "./notify.ts";
import { Q } from "./queries.ts";
import { insertRun, runRowValues } from "./run-rows.ts";
import { storedKey } from "./text.ts";
import { PgRelay } from "./relay.ts";
import { PgRunQueries } from "./run-list.ts";
import { isoTime } from "../../iso-time.ts";

export type PostgresStoreOptions = PgConnectionOptions;

type FlowRow = { doc: string; version: number; created_at: number; updated_at: number };
/** `journal`: the steps of a run that was still queued (see Q.claimRuns), else null. */
type ClaimRow = RunRow & { frontier: string; next_seq: number; journal: StepRow[] | null };

/**
 * The scale-out store: pooled connections, every operation one transaction (often one
 * statement), claims with FOR UPDATE SKIP LOCKED, uniqueness (dedupe, idempotency) through
 * primary keys with INSERT … ON CONFLICT, and LISTEN/NOTIFY to wake workers and relay events.
 */
export class PostgresStore implements Store {
  readonly kind = "postgres" as const;
  /** Pooled connections commit independently: a step must wait for its run's enqueue. */
  readonly writesInOrder = false;
  readonly relay: Relay;
  private readonly listener: PgListener;
  private readonly channels: Record<"wake" | RelayTopic, string>;
  /** Every run and webhook reads its pinned flow version; saved versions never change. */
  private readonly versions = new FlowVersionCache();
  /** Group commit: concurrent enqueues, step journals and finishes share statements and fsyncs. */
  private readonly writes: ReturnType<typeof batchedWrites>;
  private readonly keys: PgDedupeKeys;
  private readonly credentials: PgCredentials;
  private readonly runQueries: PgRunQueries;

  private constructor(
    readonly pool: pg.Pool,
    options: PostgresStoreOptions,
    /** The schema the tables live in (from the option, or the connection's search_path). */
    readonly schema: string,
  ) {
    this.listener = new PgListener(clientConfig(options));
    this.channels = {
      wake: channelName("wake", schema),
      events: channelName("events", schema),
      replies: channelName("replies", schema),
      flows: channelName("flows", schema),
    };
    this.relay = new PgRelay(pool, this.listener, (topic) => this.channels[topic]);
    this.writes = batchedWrites(pool, this.channels.wake);
    this.keys = new PgDedupeKeys(pool);
    this.credentials = new PgCredentials(pool);
    this.runQueries = new PgRunQueries(pool);
  }

  /** Connects, applies pending migrations (serialised across processes) and returns the store. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const pool = createPool(options);
    try {
      await migrate(pool, options.schema);
      const { rows } = await pool.query<{ schema: string | null }>("SELECT current_schema() AS schema");
      const current = rows[0]?.schema ?? "public";
      if (options.schema && current !== options.schema) {
        throw new Error(`PostgreSQL search_path resolves to ${current}, not schema ${options.schema}; check options in DATABASE_URL`);
      }
      return new PostgresStore(pool, options, current);
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
  }

  onWake(listener: () => void): () => void {
    const stopListening = this.listener.listen(this.channels.wake, listener);
    // Notifications sent while reconnecting are lost: look for work once we are back.
    const stopReconnect = this.listener.onReconnect(listener);
    return () => {
      stopListening();
      stopReconnect();
    };
  }

  async createFlow(input: FlowInput, now: number): Promise<FlowDocument> {
    const doc: FlowDocument = { ...input, id: newId("flw", now), version: 1 };
    const text = JSON.stringify(doc);
    await inTransaction(this.pool, async (db) => {
      await db.query(Q.insertFlow(doc.id, doc.name, doc.active, 1, text, now, now));
      await db.query(Q.insertFlowVersion(doc.id, 1, doc.name, text, now));
    });
    return flowFromRow(text, { created_at: now, updated_at: now });
  }

  async updateFlow(id: string, input: FlowInput, expectedVersion: number, now: number): Promise<FlowDocument> {
    return inTransaction(this.pool, async (db) => {
      const row = (await db.query<FlowRow>(Q.lockFlow(id))).rows[0];
      if (!row) throw new FlowNotFoundError(id);
      if (row.version !== expectedVersion) throw new VersionConflictError(flowFromRow(row.doc, row));
      const doc: FlowDocument = { ...input, id, version: row.version + 1 };
      const text = JSON.stringify(doc);
      await db.query(Q.updateFlow(doc.name, doc.active, doc.version, text, now, id));
      await db.query(Q.insertFlowVersion(id, doc.version, doc.name, text, now));
      return flowFromRow(text, { created_at: row.created_at, updated_at: now });
    });
  }

  async getFlow(id: string, version?: number): Promise<FlowDocument | undefined> {
    if (version !== undefined) {
      const cached = this.versions.get(id, version);
      if (cached) return cached;
      const row = (await this.pool.query<{ doc: string }>(Q.getFlowVersion(id, version))).rows[0];
      return row ? this.versions.put(id, version, row.doc) : undefined;
    }
    const row = (await this.pool.query<FlowRow>(Q.getFlow(id))).rows[0];
    return row ? flowFromRow(row.doc, row) : undefined;
  }

  async listFlows(): Promise<FlowDocument[]> {
    const { rows } = await this.pool.query<FlowRow>(Q.listFlows());
    return rows.map((row) => flowFromRow(row.doc, row));
  }

  async listFlowVersions(id: string): Promise<FlowVersionInfo[] | undefined> {
    if ((await this.pool.query(Q.getFlow(id))).rowCount === 0) return undefined;
    const { rows } = await this.pool.query<{ version: number; name: string; saved_at: number }>(Q.listFlowVersions(id));
    return rows.map((r) => ({ version: r.version, name: r.name, savedAt: isoTime(r.saved_at) }));
  }

  async deleteFlow(id: string): Promise<boolean> {
    return ((await this.pool.query(Q.deleteFlow(id))).rowCount ?? 0) > 0;
  }

  async enqueueRun(run: NewRun): Promise<EnqueueResult> {
    // A woken worker finds the run (NOTIFY is delivered on commit); a run leased at enqueue needs no one.
    if (!run.idempotency && !run.seedSteps) {
      await this.writes.enqueue.submit({ run: runRowValues(run), trigger: triggerStep(run), wake: run.leaseTo === undefined });
      return { runId: run.id, replayed: false };
    }
    return inTransaction(this.pool, (db) => insertRun(db, run, this.channels.wake));
  }

  async fireTrigger(fire: TriggerFire): Promise<{ fired: boolean }> {
    return inTransaction(this.pool, async (db) => {
      const advanced = await db.query(Q.advanceTriggerTick(fire.flowId, fire.nodeId, fire.tick, fire.now));
      if (advanced.rowCount === 0) return { fired: false };
      for (const run of fire.runs) await insertRun(db, run, this.channels.wake);
      return { fired: true };
    });
  }

  async lastTriggerTick(flowId: string, nodeId: string): Promise<number | undefined> {
    return (await this.pool.query<{ tick: number }>(Q.getTriggerTick(flowId, nodeId))).rows[0]?.tick;
  }

  async claimRuns(owner: string, limit: number, leaseUntil: number, now: number): Promise<ClaimedRun[]> {
    if (limit <= 0) return [];
    const { rows } = await this.pool.query<ClaimRow>(Q.claimRuns(owner, leaseUntil, now, limit));
    const byRun = new Map<string, StepRecord[]>();
    for (const row of rows) if (row.journal) byRun.set(row.id, journalFromRows(row.journal));
    const reclaimed = rows.filter((row) => !row.journal).map((row) => row.id);
    if (reclaimed.length > 0) {
      // Read after the claim committed: from then on only this owner can journal these runs.
      const steps = await this.pool.query<StepRow & { run_id: string }>(Q.stepsOfRuns(reclaimed));
      const rowsByRun = new Map<string, StepRow[]>();
      for (const row of steps.rows) {
        const list = rowsByRun.get(row.run_id);
        if (list) list.push(row);
        else rowsByRun.set(row.run_id, [row]);
      }
      for (const [runId, journal] of rowsByRun) byRun.set(runId, journalFromRows(journal));
    }
    return rows.map((row) => ({
      run: runFromRow({ ...row, flow_name: null }),
      steps: byRun.get(row.id) ?? [],
      frontier: JSON.parse(row.frontier),
      nextSeq: row.next_seq,
    }));
  }

  async renewLeases(owner: string, runIds: string[], leaseUntil: number): Promise<string[]> {
    if (runIds.length === 0) return [];
    const { rows } = await this.pool.query<{ id: string }>(Q.renewLeases(leaseUntil, runIds, owner));
    const owned = new Set(rows.map((r) => r.id));
    return runIds.filter((id) => owned.has(id));
  }

  async commitStep(commit: CommitStep): Promise<void> {
    if (!(await this.writes.commit.submit(commit))) throw new LeaseLostError(commit.runId);
  }

  async parkRun(park: ParkRun): Promise<void> {
    const result = await this.pool.query(Q.parkRun(JSON.stringify(park.frontier), park.nextSeq, park.availableAt, park.runId, park.owner));
    if (result.rowCount === 0) throw new LeaseLostError(park.runId);
  }

  async finishRun(finish: FinishRun): Promise<void> {
    if (!(await this.writes.finish.submit(finish))) throw new LeaseLostError(finish.runId);
  }

  async releaseRuns(owner: string, runIds: string[]): Promise<void> {
    if (runIds.length === 0) return;
    await inTransaction(this.pool, async (db) => {
      const released = await db.query(Q.releaseRuns(runIds, owner));
      if ((released.rowCount ?? 0) > 0) await db.query(Q.notify(this.channels.wake, ""));
    });
  }

  async cancelRun(runId: string, now: number): Promise<RunStatus | undefined> {
    return inTransaction(this.pool, async (db) => {
      if ((await db.query(Q.cancelRun(now, runId))).rowCount) await db.query(Q.dropPayloads(runId));
      return (await db.query<{ status: RunStatus }>(Q.getRunStatus(runId))).rows[0]?.status;
    });
  }

  async getRun(id: string): Promise<RunWithSteps | undefined> {
    const row = (await this.pool.query<RunRow>(Q.getRun(id))).rows[0];
    if (!row) return undefined;
    return { ...runFromRow(row), steps: materialiseSteps(await this.getJournal(id)) };
  }

  async getJournal(id: string): Promise<StepRecord[]> {
    return journalFromRows((await this.pool.query<StepRow>(Q.getSteps(id))).rows);
  }

  async getRunMessage(id: string): Promise<Message | undefined> {
    const row = (await this.pool.query<{ outputs: string }>(Q.getTriggerOutputs(id))).rows[0];
    return row ? (JSON.parse(row.outputs).out?.[0] as Message) : undefined;
  }

  // The run history reads live in run-list.ts.
  readonly listRuns: Store["listRuns"] = (query) => this.runQueries.list(query);
  readonly countRuns: Store["countRuns"] = (flowId) => this.runQueries.counts(flowId);

  async findRunByIdempotencyKey(scope: string, key: string, now: number): Promise<string | undefined> {
    return (await this.pool.query<{ run_id: string }>(Q.getIdempotency(storedKey(scope), storedKey(key), now))).rows[0]?.run_id;
  }

  async pruneRuns(rule: PruneRule, limit: number): Promise<number> {
    // SKIP LOCKED: several workers may prune at once without queueing behind each other.
    const query = "createdBefore" in rule ? Q.pruneOldRuns(idFloor("run", rule.createdBefore), limit) : Q.pruneFlowRuns(rule.flowId, rule.keepNewest, limit);
    return (await this.pool.query(query)).rowCount ?? 0;
  }

  async flowIdsWithRuns(after: string | undefined, limit: number): Promise<string[]> {
    return (await this.pool.query<{ flow_id: string }>(Q.flowIdsWithRuns(after ?? "", limit))).rows.map((r) => r.flow_id);
  }

  /** Batched writes only: statements committed and the operations they carried. */
  writeStats(): { commits: number; writes: number } {
    return this.writes.stats();
  }

  // Dedupe keys and their pruning live in dedupe-keys.ts.
  readonly claimDedupeKey: Store["claimDedupeKey"] = (claim) => this.keys.claim(claim);
  readonly getDedupeKey: Store["getDedupeKey"] = (scope, key, now) => this.keys.get(scope, key, now);
  readonly deleteDedupeKeys: Store["deleteDedupeKeys"] = (scope, key) => this.keys.delete(scope, key);
  readonly pruneExpiredKeys: Store["pruneExpiredKeys"] = (now, limit) => this.keys.prune(now, limit);

  // Credentials live in credentials.ts.
  readonly createCredential: Store["createCredential"] = (credential) => this.credentials.create(credential);
  readonly listCredentials: Store["listCredentials"] = () => this.credentials.list();
  readonly getCredential: Store["getCredential"] = (id) => this.credentials.get(id);
  readonly updateCredential: Store["updateCredential"] = (id, update) => this.credentials.update(id, update);
  readonly deleteCredential: Store["deleteCredential"] = (id) => this.credentials.remove(id);

  async close(): Promise<void> {
    await this.listener.close();
    await this.pool.end();
  }
}
