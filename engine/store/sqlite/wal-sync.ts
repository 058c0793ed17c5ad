import { channel } from "node:diagnostics_channel";
import { closeSync, fdatasync, fdatasyncSync, openSync } from "node:fs";
import { SyncThread, type SyncDone as Done } from "./sync-thread.ts";

/**
 * When syncs go to a SyncThread instead of libuv's pool: `auto` once commits keep queueing behind
 * syncs (load: the thread costs ≈ 9 MB, which an instance that is never busy does not pay), `always`
 * from the start, `never`.
 */
export type SyncThreadPolicy = "auto" | "always" | "never";

export interface WalSyncOptions {
  /** fdatasync through libuv's pool (a test may hold it). */
  poolSync?: (fd: number, done: Done) => void;
  thread?: SyncThreadPolicy;
}

/**
 * Each sync's start and the moment its writers are told, as `{ phase: "start" | "end", thread }`,
 * for tools that follow a request through the server (test/bench/timeline.ts). Free when unheard.
 */
export const walSyncChannel = channel("runnel:wal-sync");

/** Commits queued behind a sync in flight before `auto` starts the thread. */
const QUEUED_BEFORE_THREAD = 32;

export class WalSync {
  private fd?: number;
  private inFlight = false;
  private closed = false;
  /** Commits since the sync in flight started; the next sync covers them. */
  private waiting: Done[] = [];
  /** The commits the sync in flight covers. */
  private inFlightCovered: Done[] = [];
  private readonly poolSync: (fd: number, done: Done) => void;
  private readonly threadPolicy: SyncThreadPolicy;
  private thread?: SyncThread;
  private queuedBehind = 0;
  syncs = 0;

  constructor(
    private readonly walPath: string,
    options: WalSyncOptions = {},
  ) {
    this.poolSync = options.poolSync ?? fdatasync;
    this.threadPolicy = options.thread ?? "auto";
    if (this.threadPolicy === "always") this.startThread();
  }

  /** The syncs made on the sync thread (the rest went through libuv's pool). */
  get threadSyncs(): number {
    return this.thread?.syncs ?? 0;
  }

  /** Whether syncs now go to the sync thread. */
  get onThread(): boolean {
    return this.thread?.usable === true;
  }

  /** Reports a sync the thread has finished; cheap enough to call at every write. */
  poll(): void {
    if (this.inFlight) this.thread?.poll();
  }

  /** Call right after a commit; `done` runs once that commit is on disk (or the sync failed). */
  afterCommit(done: Done): void {
    if (this.closed) return done(new Error("the store is closed"));
    this.waiting.push(done);
    // A finished sync reported now is followed by one that covers this commit too.
    if (this.inFlight) this.thread?.poll();
    if (!this.inFlight) this.start();
    else if (++this.queuedBehind === QUEUED_BEFORE_THREAD && this.threadPolicy === "auto") this.startThread();
  }

  /**
   * Syncs what is waiting now, on this thread (closing the store must not leave it unsynced). That
   * sync also covers the commits of a sync still in flight, which are settled first, keeping order.
   */
  close(): void {
    this.closed = true;
    const pending = [...this.inFlightCovered.splice(0), ...this.waiting.splice(0)];
    if (this.fd === undefined) return void settle(pending, null);
    let failure: Error | null = null;
    try {
      if (pending.length > 0) fdatasyncSync(this.fd);
    } catch (error) {
      failure = error as Error;
    }
    // A sync still in flight uses the descriptor until its callback.
    if (!this.inFlight) this.closeFile();
    settle(pending, failure);
    // Waits for a sync in flight on the thread, whose callback then closes the file.
    this.thread?.close();
  }

  private startThread(): void {
    try {
      this.thread ??= new SyncThread();
    } catch {
      // No thread to be had (the process is at a limit): libuv's pool goes on doing the syncs.
    }
  }

  private closeFile(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private start(): void {
    const covered = this.waiting.splice(0);
    let fd: number;
    try {
      // The WAL exists from the first commit on and keeps its inode while a connection is open.
      // Read-write, never created or truncated here: Windows flushes only handles open for writing.
      fd = this.fd ??= openSync(this.walPath, "r+");
    } catch (error) {
      return void settle(covered, error as Error);
    }
    this.inFlight = true;
    this.inFlightCovered = covered;
    this.syncs++;
    const thread = this.thread?.usable ? this.thread : undefined;
    if (walSyncChannel.hasSubscribers) walSyncChannel.publish({ phase: "start", thread: thread !== undefined });
    const finished = (error: Error | null) => {
      if (walSyncChannel.hasSubscribers) walSyncChannel.publish({ phase: "end", thread: thread !== undefined });
      this.inFlight = false;
      if (this.closed) this.closeFile();
      // Empty when close() already synced and settled them.
      settle(this.inFlightCovered.splice(0), error);
      if (this.waiting.length > 0 && !this.closed) this.start();
    };
    if (thread) thread.sync(fd, finished);
    else this.poolSync(fd, finished);
  }
}

function settle(callbacks: Done[], error: Error | null): void {
  for (const done of callbacks) done(error);
}
