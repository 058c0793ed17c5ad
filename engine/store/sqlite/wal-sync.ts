import { closeSync, fdatasync, fdatasyncSync, openSync } from "node:fs";

type Done = (error: Error | null) => void;

/**
 * Makes commits durable off the event loop. With `synchronous = FULL` SQLite calls fdatasync on
 * the WAL inside COMMIT, and the whole process waits for the disk (a third of a millisecond to
 * several on this kind of machine) with nothing else to do. Here the connection runs with
 * `synchronous = NORMAL` (the WAL is synced before each checkpoint and the database after it, so
 * the file stays consistent) and every commit is followed by an fdatasync of the WAL on libuv's
 * thread pool; what the commit holds is reported durable only when that returns. Power loss can
 * so lose only commits nobody was told about, as with FULL, while the loop runs the next batch.
 *
 * One sync at a time: commits made while one is in flight wait for the next, which covers them
 * all (a sync covers every write made before it started, never one made after). Callbacks fire
 * in commit order.
 */
export class WalSync {
  private fd?: number;
  private inFlight = false;
  private closed = false;
  /** Commits since the sync in flight started; the next sync covers them. */
  private waiting: Done[] = [];
  /** The commits the sync in flight covers. */
  private inFlightCovered: Done[] = [];
  syncs = 0;

  constructor(
    private readonly walPath: string,
    private readonly sync: (fd: number, done: (error: Error | null) => void) => void = fdatasync,
  ) {}

  /** Call right after a commit; `done` runs once that commit is on disk (or the sync failed). */
  afterCommit(done: Done): void {
    if (this.closed) return done(new Error("the store is closed"));
    this.waiting.push(done);
    if (!this.inFlight) this.start();
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
    this.sync(fd, (error) => {
      this.inFlight = false;
      if (this.closed) this.closeFile();
      // Empty when close() already synced and settled them.
      settle(this.inFlightCovered.splice(0), error);
      if (this.waiting.length > 0 && !this.closed) this.start();
    });
  }
}

function settle(callbacks: Done[], error: Error | null): void {
  for (const done of callbacks) done(error);
}
