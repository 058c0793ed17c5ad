// Runs sandboxed code in worker threads with a hard deadline.
//
// Why threads: runInSandbox is synchronous once started, and its own deadline (QuickJS's
// interrupt handler) can be outrun by hostile code — catching stack overflows and recursing
// again ran 18 s against a 1 s limit. In a thread the host's event loop stays free, and when
// the deadline plus a small grace passes, the thread is terminated: whatever the code does,
// it ends on time. One warm spare thread is kept, so a killed job's successor starts at once.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { SandboxError, type SandboxOptions, type SandboxResult } from "./quickjs-sandbox.ts";
import type { SandboxJob, SandboxReply } from "./sandbox-protocol.ts";
import { workerBundle } from "./worker-bundle.ts";

export interface SandboxPoolOptions {
  /** Jobs running at once; more wait their turn. Default: one per CPU core but one (at least 1), so the server's own thread keeps a core. */
  maxConcurrent?: number;
  /** Extra time the in-VM deadline gets before the thread is killed. Default 300 ms + 10 %. */
  graceMs?: (timeoutMs: number) => number;
  /** Recycle a thread after this many jobs. Default 1,000. */
  maxJobsPerThread?: number;
}

const DEFAULT_TIMEOUT_MS = 1000;
/** A job's module loads within this, or the thread is considered stuck. */
const START_TIMEOUT_MS = 10_000;
const MAX_IDLE_THREADS = 2;

class SandboxThread {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  jobs = 0;
  exited = false;

  constructor(code: string) {
    this.worker = new Worker(code, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 256 } });
    this.worker.once("exit", () => (this.exited = true));
    this.ready = new Promise<void>((resolve, reject) => {
      const onMessage = (message: SandboxReply) => message.type === "ready" && done();
      const onFailure = (error: unknown) => done(error instanceof Error ? error : new Error(`sandbox thread exited (${String(error)})`));
      const done = (error?: Error) => {
        this.worker.off("message", onMessage).off("error", onFailure).off("exit", onFailure);
        if (error) reject(error);
        else resolve();
      };
      this.worker.on("message", onMessage).once("error", onFailure).once("exit", onFailure);
    });
    this.ready.catch(() => undefined);
  }

  kill(): void {
    if (!this.exited) void this.worker.terminate();
  }
}

export class SandboxPool {
  private readonly maxConcurrent: number;
  private readonly graceMs: (timeoutMs: number) => number;
  private readonly maxJobsPerThread: number;
  private readonly idle: SandboxThread[] = [];
  private spare: Promise<void> | undefined;
  private running = 0;
  private readonly queue: (() => void)[] = [];
  private nextId = 1;
  private closed = false;

  constructor(options: SandboxPoolOptions = {}) {
    this.maxConcurrent = options.maxConcurrent ?? Math.max(1, availableParallelism() - 1);
    this.graceMs = options.graceMs ?? ((timeoutMs) => 300 + timeoutMs / 10);
    this.maxJobsPerThread = options.maxJobsPerThread ?? 1000;
  }

  /** Runs `source` as the body of `async function (msg)`; rejects with SandboxError as runInSandbox does. */
  async run(source: string, input: unknown, options: SandboxOptions = {}, signal?: AbortSignal): Promise<SandboxResult> {
    if (this.closed) throw new Error("the sandbox pool is closed");
    await this.turn(signal);
    try {
      const thread = await this.take();
      return await this.runOn(thread, { id: this.nextId++, source, input, options }, signal);
    } finally {
      this.running--;
      this.queue.shift()?.();
    }
  }

  /** Starts the spare thread now rather than on the first job. */
  warm(): Promise<void> {
    this.ensureSpare();
    return this.spare ?? Promise.resolve();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const thread of this.idle.splice(0)) await thread.worker.terminate();
  }

  private async turn(signal: AbortSignal | undefined): Promise<void> {
    if (this.running < this.maxConcurrent) {
      this.running++;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const go = () => {
        signal?.removeEventListener("abort", onAbort);
        this.running++;
        resolve();
      };
      const onAbort = () => {
        const index = this.queue.indexOf(go);
        if (index >= 0) this.queue.splice(index, 1);
        reject(signal!.reason);
      };
      signal?.throwIfAborted();
      signal?.addEventListener("abort", onAbort, { once: true });
      this.queue.push(go);
    });
  }

  private async take(): Promise<SandboxThread> {
    // A spare that is still starting is nearer to ready than a thread started now.
    if (this.idle.length === 0 && this.spare) await this.spare;
    let thread = this.idle.pop();
    if (!thread) {
      thread = new SandboxThread(await workerBundle());
      await thread.ready;
    }
    thread.worker.ref();
    this.ensureSpare();
    return thread;
  }

  /** Keeps one started thread in reserve, so the next job (e.g. after a kill) need not wait for one. */
  private ensureSpare(): void {
    if (this.closed || this.idle.length > 0 || this.spare) return;
    this.spare = workerBundle().then(async (code) => {
      const thread = new SandboxThread(code);
      await thread.ready;
      return thread;
    }).then(
      (thread) => {
        this.spare = undefined;
        if (this.closed) return thread.kill();
        // An idle thread does not keep the process alive.
        thread.worker.unref();
        this.idle.push(thread);
      },
      () => {
        this.spare = undefined; // the next job starts a thread itself and reports the failure
      },
    );
  }

  private release(thread: SandboxThread, recycle: boolean): void {
    thread.jobs++;
    if (recycle || this.closed || thread.exited || thread.jobs >= this.maxJobsPerThread || this.idle.length >= MAX_IDLE_THREADS) {
      thread.kill();
      this.ensureSpare();
      return;
    }
    thread.worker.unref();
    this.idle.push(thread);
  }

  private runOn(thread: SandboxThread, job: SandboxJob, signal: AbortSignal | undefined): Promise<SandboxResult> {
    const timeoutMs = job.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const { worker } = thread;
    return new Promise<SandboxResult>((resolve, reject) => {
      let settled = false;
      const finish = (outcome: () => void, recycle: boolean, kill = false) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        worker.off("message", onMessage).off("error", onError).off("exit", onExit);
        if (kill) {
          thread.kill();
          this.ensureSpare();
        } else this.release(thread, recycle);
        outcome();
      };
      const onMessage = (reply: SandboxReply) => {
        if (reply.type === "started" && reply.id === job.id) {
          clearTimeout(timer);
          timer = setTimeout(onDeadline, timeoutMs + this.graceMs(timeoutMs));
        } else if (reply.type === "result" && reply.id === job.id) {
          finish(() => resolve({ value: reply.value, logs: reply.logs, durationMs: reply.durationMs }), reply.recycle);
        } else if (reply.type === "error" && reply.id === job.id) {
          finish(() => reject(new SandboxError(reply.code, reply.message, reply.logs)), reply.recycle);
        }
      };
      const onError = (error: Error & { code?: string }) => {
        const code = error.code === "ERR_WORKER_OUT_OF_MEMORY" ? "CODE_MEMORY_LIMIT" : "CODE_ERROR";
        finish(() => reject(new SandboxError(code, `the sandbox thread failed: ${error.message}`, [])), true, true);
      };
      const onExit = () => finish(() => reject(new SandboxError("CODE_ERROR", "the sandbox thread stopped unexpectedly", [])), true, true);
      const onAbort = () => finish(() => reject(signal!.reason), true, true);
      const onDeadline = () => {
        const error = new SandboxError("CODE_TIMEOUT", `the code ran longer than ${timeoutMs} ms and was stopped`, []);
        finish(() => reject(error), true, true);
      };
      let timer = setTimeout(onDeadline, START_TIMEOUT_MS);

      worker.on("message", onMessage).once("error", onError).once("exit", onExit);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      try {
        worker.postMessage(job);
      } catch (error) {
        // Not structured-cloneable (e.g. nested deeper than the clone's stack allows).
        const message = error instanceof RangeError ? "the input is nested too deeply to pass into the sandbox" : `the input cannot be passed into the sandbox: ${String(error)}`;
        finish(() => reject(new SandboxError("CODE_MEMORY_LIMIT", message, [])), false);
      }
    });
  }
}

let shared: SandboxPool | undefined;

/** The process-wide pool the code node uses; threads are created on first use. */
export function sandboxPool(): SandboxPool {
  shared ??= new SandboxPool();
  return shared;
}
