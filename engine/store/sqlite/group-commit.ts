import type Database from "better-sqlite3";
import type { CrashHook } from "../../runtime/crash-points.ts";
import type { WalSync } from "./wal-sync.ts";

export interface WriteOptions {
  /** Rides with its caller's other writes; not another writer when judging load. */
  companion?: boolean;
  /**
   * The write leaves nothing behind when it throws: it changes the database with one statement
   * (SQLite undoes a failing statement by itself), or undoes its own changes before rethrowing.
   * It then needs no savepoint, which costs more than it looks: while one is open SQLite copies
   * every page the write touches to a sub-journal (a run's insert: 47 µs without, 58 with).
   */
  atomic?: boolean;
}

interface Pending {
  /** Rides with its caller's other writes (see apply); not another writer when judging load. */
  companion?: boolean;
  ok: boolean;
  value: unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Open group commits per database file in this process. A second connection to the same file (two
 * engines in one process, as in tests) must not wait for the write lock that the first one holds
 * between turns: this thread is the only one that could release it.
 */
const openOnFile = new Map<string, Set<GroupCommit>>();

export interface GroupCommitOptions {
  /**
   * Under load (the previous batch was shared by several writers and committed moments ago) a
   * new batch waits at most this long for company before it commits: less once as many writers
   * have joined as the previous batch had. A lone writer, even one chaining many writes, commits
   * on the next turn and waits for nothing. 0 = always the next turn.
   */
  windowMs?: number;
  /** false = every write is its own transaction and fsync (the benchmark baseline). */
  enabled?: boolean;
  crash?: CrashHook;
  /**
   * Makes each commit durable after it returns (see WalSync); absent, the commit itself must be
   * (SQLite's `synchronous = FULL`).
   */
  sync?: Pick<WalSync, "afterCommit" | "close" | "syncs" | "poll">;
}

/**
 * Group commit: writes issued within one turn of the event loop (or one short window under
 * load) share one transaction and so one fsync.
 *
 * Each write is applied at once, in its own savepoint of the open transaction (opened by the
 * first write of a batch; none for an `atomic` write), so one failing write (a version conflict,
 * a lost lease) rolls back alone, and a caller that only needs the outcome can have it before the
 * commit (`apply`).
 * `run` resolves once the transaction holding the write is durable. Writes are applied and
 * committed in the order they are issued: a write is never durable before an earlier one.
 * Reads on this connection between two commits see applied, not yet durable writes.
 */
export class GroupCommit {
  private batch: Pending[] = [];
  /** Writes applied at the commit, after every write applied before it (see atCommit). */
  private late: { work: () => unknown; pending: Pending; atomic: boolean }[] = [];
  private scheduled = false;
  /** The window's timer while a batch waits for company, and the turn it commits on once enough has come. */
  private windowTimer?: NodeJS.Timeout;
  private committing?: NodeJS.Immediate;
  /** Writes in the open batch that are not companions (see WriteOptions.companion). */
  private writers = 0;
  private lastCommitAt = -Infinity;
  private lastBatchSize = 0;
  private readonly windowMs: number;
  private readonly enabled: boolean;
  private readonly crash?: CrashHook;
  private readonly sync?: GroupCommitOptions["sync"];
  private readonly begin: Database.Statement;
  private readonly commit: Database.Statement;
  private readonly rollback: Database.Statement;
  private readonly savepoint: Database.Statement;
  private readonly release: Database.Statement;
  private readonly rollbackTo: Database.Statement;
  private readonly afterCommit: (() => void)[] = [];
  private readonly beforeCommitListeners: (() => void)[] = [];
  batches = 0;
  writes = 0;

  constructor(
    private readonly db: Database.Database,
    options: GroupCommitOptions = {},
  ) {
    this.windowMs = options.windowMs ?? 1;
    this.enabled = options.enabled ?? true;
    this.crash = options.crash;
    this.sync = options.sync;
    this.begin = db.prepare("BEGIN IMMEDIATE");
    this.commit = db.prepare("COMMIT");
    this.rollback = db.prepare("ROLLBACK");
    this.savepoint = db.prepare("SAVEPOINT w");
    this.release = db.prepare("RELEASE w");
    this.rollbackTo = db.prepare("ROLLBACK TO w");
    if (!db.memory) {
      const peers = openOnFile.get(db.name) ?? new Set();
      peers.add(this);
      openOnFile.set(db.name, peers);
    }
  }

  /** Commits what is pending and stops counting this connection among the file's writers. */
  close(): void {
    this.flush();
    this.sync?.close();
    const peers = openOnFile.get(this.db.name);
    peers?.delete(this);
    if (peers?.size === 0) openOnFile.delete(this.db.name);
  }

  /** Applies `work` now, in the open transaction; resolves with its result once that is durable. */
  run<T>(work: () => T): Promise<T> {
    return this.apply(work).durable;
  }

  /**
   * Applies `work` now: `applied` resolves with its result at once, `durable` once it is
   * committed. For a caller that may act on the result inside the process before the commit,
   * provided nothing leaves the process until `durable` (a dedupe claim: the run goes on, and
   * its next journal write waits for the claim too). See WriteOptions.
   */
  apply<T>(work: () => T, options: WriteOptions = {}): { applied: Promise<T>; durable: Promise<T> } {
    let pending!: Pending;
    const durable = new Promise<T>((resolve, reject) => {
      pending = { companion: options.companion, ok: false, value: undefined, resolve: resolve as (value: unknown) => void, reject };
    });
    try {
      this.applyNow(work, pending, options.atomic === true);
    } catch (error) {
      pending.reject(error);
      return { applied: durable, durable };
    }
    if (!pending.ok) {
      pending.reject(pending.value);
      return { applied: durable, durable };
    }
    this.batch.push(pending);
    if (!this.enabled) this.flush();
    else this.schedule(options.companion === true);
    return { applied: Promise.resolve(pending.value as T), durable };
  }

  /**
   * Applies `work` just before the next commit, in the same transaction as every write issued
   * until then; resolves once durable. For state that later writes keep changing until the
   * commit (a run whose row is inserted with its state at that moment).
   */
  atCommit<T>(work: () => T, options: Pick<WriteOptions, "atomic"> = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const pending = { ok: false, value: undefined, resolve: resolve as (value: unknown) => void, reject };
      this.late.push({ work, pending, atomic: options.atomic === true });
      if (!this.enabled) this.flush();
      else this.schedule(false);
    });
  }

  /**
   * Called just before each COMMIT, inside the transaction, after the writes `atCommit` queued;
   * its writes commit with the batch (a throw fails the whole batch).
   */
  beforeCommit(listener: () => void): void {
    this.beforeCommitListeners.push(listener);
  }

  /** Called once after each commit, outside any transaction (e.g. a WAL checkpoint that was due). */
  onCommitted(listener: () => void): void {
    this.afterCommit.push(listener);
  }

  /** Syncs made after commits (0 when SQLite syncs inside COMMIT). */
  get syncs(): number {
    return this.sync?.syncs ?? 0;
  }

  get inBatch(): boolean {
    return this.batch.length > 0 || this.late.length > 0;
  }

  /** Commits everything applied so far. */
  flush(): void {
    this.scheduled = false;
    clearTimeout(this.windowTimer);
    clearImmediate(this.committing);
    this.windowTimer = this.committing = undefined;
    this.writers = 0;
    for (const { work, pending, atomic } of this.late.splice(0)) {
      try {
        this.applyNow(work, pending, atomic);
      } catch (error) {
        pending.ok = false;
        pending.value = error;
      }
      if (pending.ok) this.batch.push(pending);
      else pending.reject(pending.value);
    }
    const batch = this.batch;
    if (batch.length === 0) return;
    this.batch = [];
    try {
      for (const listener of this.beforeCommitListeners) listener();
      this.crash?.("commit.before");
      this.commit.run();
      this.crash?.("commit.after");
    } catch (error) {
      if (this.db.inTransaction) this.rollback.run();
      for (const item of batch) item.reject(error);
      return;
    } finally {
      this.lastCommitAt = performance.now();
      // A lone run's writes (its row and its dedupe claim) are one writer: waiting a window for
      // company that never comes cost every request at one connection a millisecond.
      this.lastBatchSize = batch.reduce((n, item) => (item.companion ? n : n + 1), 0);
    }
    this.batches++;
    this.writes += batch.length;
    if (this.sync) this.sync.afterCommit((error) => settle(batch, error));
    else settle(batch, null);
    for (const listener of this.afterCommit) listener();
  }

  private applyNow(work: () => unknown, pending: Pending, atomic: boolean): void {
    if (this.batch.length === 0 && !this.db.inTransaction) {
      for (const peer of openOnFile.get(this.db.name) ?? []) if (peer !== this && peer.inBatch) peer.flush();
      this.begin.run();
    }
    if (!atomic) this.savepoint.run();
    try {
      pending.value = work();
      pending.ok = true;
      if (!atomic) this.release.run();
    } catch (error) {
      if (!atomic) {
        this.rollbackTo.run();
        this.release.run();
      }
      pending.value = error;
      if (this.batch.length === 0) this.rollback.run();
    }
  }

  private schedule(companion: boolean): void {
    // A write is a moment between two pieces of work: a finished sync's writers are told now.
    this.sync?.poll();
    if (!companion) this.writers++;
    if (!this.scheduled) {
      this.scheduled = true;
      const underLoad = this.windowMs > 0 && this.lastBatchSize > 1 && performance.now() - this.lastCommitAt < this.windowMs * 2;
      if (!underLoad) {
        this.committing = setImmediate(() => this.flush());
        return;
      }
      this.windowTimer = setTimeout(() => this.flush(), this.windowMs);
    }
    // As much company as last time: with a fixed set of clients each waiting for its answer (10
    // connections), nobody else is coming, and the rest of the window would be idle. Commits
    // after this turn's other I/O, which joins too. At 10 connections: 3,969 -> 4,350 req/s.
    if (this.windowTimer && !this.committing && this.writers >= this.lastBatchSize) {
      this.committing = setImmediate(() => this.flush());
    }
  }
}

function settle(batch: Pending[], error: Error | null): void {
  if (error) for (const item of batch) item.reject(error);
  else for (const item of batch) item.resolve(item.value);
}
