import { fdatasync } from "node:fs";
import { Worker } from "node:worker_threads";

export type SyncDone = (error: Error | null) => void;

// Slots of the shared state: the last sync asked for, the last one finished, its errno, the file
// descriptor to sync, and whether the thread has started.
const REQUESTED = 0;
const COMPLETED = 1;
const ERRNO = 2;
const FD = 3;
const READY = 4;

/** How long closing waits for the thread's sync in flight (a disk that stalls this long has failed). */
const CLOSE_WAIT_MS = 30_000;

// CommonJS evaluated in the worker: sleep until a sync is asked for, sync, publish that it is done.
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { fdatasyncSync } = require("node:fs");
const state = new Int32Array(workerData);
Atomics.store(state, ${READY}, 1);
let seen = 0;
for (;;) {
  Atomics.wait(state, ${REQUESTED}, seen);
  seen = Atomics.load(state, ${REQUESTED});
  let errno = 0;
  try { fdatasyncSync(Atomics.load(state, ${FD})); } catch (error) { errno = error.errno || -1; }
  Atomics.store(state, ${ERRNO}, errno);
  Atomics.store(state, ${COMPLETED}, seen);
  Atomics.notify(state, ${COMPLETED});
}
`;

// ES2024's Atomics.waitAsync (V8 has it since Node 16), missing from this project's TypeScript lib.
type WaitAsync = (array: Int32Array, index: number, value: number) => { async: boolean; value: Promise<string> | string };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/**
 * `fdatasync` on a thread of its own, whose result the event loop can look at between two pieces of
 * work instead of in its next poll phase. Through libuv's pool a finished sync is reported when the
 * loop next polls for I/O; under load the loop is then running the runs of newly read requests,
 * ≈ 0.1 ms each, and the finished sync's replies wait behind them. Here the store looks (`poll`) at
 * every write it is given, so those replies go out between two runs. The loop also learns of a
 * finished sync on its own (Atomics.waitAsync) when nothing looks sooner.
 *
 * One sync in flight at a time (WalSync's rule). If the thread dies, a sync it held is done again
 * through libuv's pool and `usable` turns false.
 */
export class SyncThread {
  private readonly state = new Int32Array(new SharedArrayBuffer(5 * Int32Array.BYTES_PER_ELEMENT));
  private readonly worker: Worker;
  private requested = 0;
  private done?: SyncDone;
  private fd = -1;
  private exited = false;
  private closing = false;
  syncs = 0;

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: this.state.buffer });
    this.worker.unref();
    this.worker.on("error", () => undefined);
    this.worker.on("exit", () => this.lost());
  }

  /** Started, and not dead: syncs may be given to it. */
  get usable(): boolean {
    return !this.exited && !this.closing && Atomics.load(this.state, READY) === 1;
  }

  /** Syncs `fd` on the thread; `done` runs on this thread, from `poll` or from the loop. */
  sync(fd: number, done: SyncDone): void {
    if (this.done) throw new Error("a sync is already in flight on this thread");
    this.done = done;
    this.fd = fd;
    this.syncs++;
    // Nothing else may be keeping the process alive until the writers are told (a script's last write).
    this.worker.ref();
    Atomics.store(this.state, FD, fd);
    Atomics.store(this.state, REQUESTED, ++this.requested);
    Atomics.notify(this.state, REQUESTED);
    const waiting = waitAsync(this.state, COMPLETED, this.requested - 1);
    if (waiting.async) void (waiting.value as Promise<string>).then(() => this.poll());
    else queueMicrotask(() => this.poll());
  }

  /** The thread has finished the sync in flight, which is not reported yet. */
  get returned(): boolean {
    return this.done !== undefined && Atomics.load(this.state, COMPLETED) === this.requested;
  }

  /** Reports the sync in flight if the thread has finished it; true if it did. */
  poll(): boolean {
    if (!this.returned) return false;
    const errno = Atomics.load(this.state, ERRNO);
    this.report(errno === 0 ? null : Object.assign(new Error(`fdatasync of the WAL failed (errno ${errno})`), { errno }));
    return true;
  }

  /** Waits for the sync in flight (one fdatasync at most), reports it, and ends the thread. */
  close(): void {
    this.closing = true;
    if (this.done && !this.exited) {
      Atomics.wait(this.state, COMPLETED, this.requested - 1, CLOSE_WAIT_MS);
      if (!this.poll()) this.report(new Error(`the sync thread did not finish its sync within ${CLOSE_WAIT_MS / 1000} s`));
    }
    void this.worker.terminate();
  }

  private report(error: Error | null): void {
    const done = this.done!;
    this.done = undefined;
    this.worker.unref();
    done(error);
  }

  private lost(): void {
    this.exited = true;
    if (this.closing || this.done === undefined || this.poll()) return;
    // Whether the thread synced before it died is unknown: sync again where it cannot die.
    fdatasync(this.fd, (error) => this.report(error));
  }
}
