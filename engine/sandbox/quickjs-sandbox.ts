// Runs a `code` node's JavaScript (DESIGN §4, §10) in QuickJS compiled to WebAssembly,
// never in Node's `vm`.
//
// Isolation: a fresh QuickJS runtime + context per call, so nothing survives between runs.
// Data crosses the boundary only as JSON text (host JSON.stringify → VM JSON.parse, and
// back), so no host object, function or prototype ever enters the VM.
// Limits: a wall-clock deadline enforced by QuickJS's interrupt handler and between
// promise jobs; a memory cap on the WebAssembly.Memory (see quickjs-module.ts for why the
// QuickJS memory limit alone is not enough); QuickJS's stack limit; bounded logs and output.
//
// The run is synchronous once a module is loaded: it blocks the event loop for at most
// about `timeoutMs`. Callers that cannot afford that should run it in a worker thread.
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from "quickjs-emscripten";
import { acquireModule, beginRun, releaseModule, retireModule, type PooledModule } from "./quickjs-module.ts";
import { SANDBOX_PRELUDE } from "./sandbox-prelude.ts";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type SandboxErrorCode = "CODE_TIMEOUT" | "CODE_MEMORY_LIMIT" | "CODE_ERROR" | "CODE_INVALID_OUTPUT";

export type SandboxLogLevel = "log" | "info" | "warn" | "error" | "debug";
export interface SandboxLog {
  level: SandboxLogLevel;
  message: string;
}

export class SandboxError extends Error {
  override name = "SandboxError";
  constructor(
    readonly code: SandboxErrorCode,
    message: string,
    /** console output collected before the failure. */
    readonly logs: readonly SandboxLog[],
  ) {
    super(message);
  }
}

export interface SandboxOptions {
  /** Wall-clock budget for compile + run + serialising the result. Default 1000. */
  timeoutMs?: number;
  /** Heap budget for user code. Default 64 MiB. */
  memoryBytes?: number;
  /** QuickJS stack limit. Default 256 KiB (~1,500 plain JS frames); clamped to 32 KiB–1 MiB. */
  stackBytes?: number;
  /** Total console characters kept. Default 64 KiB. */
  maxLogChars?: number;
  /** console lines kept. Default 200. */
  maxLogLines?: number;
  /** Length limit of the result's JSON text. Default 4 Mi characters. */
  maxOutputChars?: number;
  /** Nesting limit of the result. Default 500. */
  maxOutputDepth?: number;
}

export interface SandboxResult {
  /** What the code returned, as JSON data; undefined when it returned nothing. */
  value: JsonValue | undefined;
  logs: SandboxLog[];
  durationMs: number;
}

const MiB = 1024 * 1024;
const LEVELS = new Set<string>(["log", "info", "warn", "error", "debug"]);

/**
 * Runs `source` as the body of `async function (msg)`. Resolves with the returned JSON
 * value (a message, an array of messages, anything JSON) or undefined; rejects with a
 * SandboxError: CODE_TIMEOUT, CODE_MEMORY_LIMIT (heap or stack), CODE_ERROR (an uncaught
 * exception, message included) or CODE_INVALID_OUTPUT (not JSON-serialisable / too big).
 */
export async function runInSandbox(source: string, input: unknown, options: SandboxOptions = {}): Promise<SandboxResult> {
  const limits = {
    timeoutMs: positive(options.timeoutMs, 1000, "timeoutMs"),
    memoryBytes: positive(options.memoryBytes, 64 * MiB, "memoryBytes"),
    stackBytes: Math.min(Math.max(positive(options.stackBytes, 256 * 1024, "stackBytes"), 32 * 1024), MiB),
    maxLogChars: positive(options.maxLogChars, 64 * 1024, "maxLogChars"),
    maxLogLines: positive(options.maxLogLines, 200, "maxLogLines"),
    maxOutputChars: positive(options.maxOutputChars, 4 * MiB, "maxOutputChars"),
    maxOutputDepth: positive(options.maxOutputDepth, 500, "maxOutputDepth"),
  };
  const inputJson = serialiseInput(input);
  if ((inputJson.length + source.length) * 3 > limits.memoryBytes / 2) {
    // Refused before it is copied into the VM, whose allocator could not hold it anyway.
    throw new SandboxError("CODE_MEMORY_LIMIT", `input and source are too large for the ${mib(limits.memoryBytes)} memory limit`, []);
  }
  const pooled = await acquireModule(limits.memoryBytes);
  return runOnModule(pooled, source, inputJson, limits);
}

type Limits = Required<SandboxOptions>;

function runOnModule(pooled: PooledModule, source: string, inputJson: string, limits: Limits): SandboxResult {
  const started = Date.now();
  const deadline = started + limits.timeoutMs;
  const logs = new LogCollector(limits.maxLogLines, limits.maxLogChars);
  let interrupted = false;
  let runtime: QuickJSRuntime | undefined;
  let vm: QuickJSContext | undefined;
  const owned: QuickJSHandle[] = [];
  const own = (handle: QuickJSHandle): QuickJSHandle => (owned.push(handle), handle);
  let trapped = false;
  beginRun(pooled);

  try {
    runtime = pooled.module.newRuntime();
    runtime.setMemoryLimit(limits.memoryBytes);
    runtime.setMaxStackSize(limits.stackBytes);
    runtime.setInterruptHandler(() => (interrupted ||= Date.now() > deadline));
    const ctx = (vm = runtime.newContext());
    const rt = runtime;

    const fail = (errorHandle: QuickJSHandle, describe: QuickJSHandle | undefined, kind: "run" | "output"): SandboxError => {
      if (interrupted || Date.now() > deadline) return timeout(limits, logs);
      let text = "unknown error";
      if (describe !== undefined) {
        // describe runs user getters/toString, so it can itself run out of time.
        const described = ctx.callFunction(describe, ctx.undefined, errorHandle);
        if (described.error === undefined && ctx.typeof(described.value) === "string") text = ctx.getString(described.value);
        else if (ctx.typeof(errorHandle) === "object") text = "[error could not be described]";
        (described.error ?? described.value).dispose();
        if (interrupted) return timeout(limits, logs);
      }
      if (ctx.typeof(errorHandle) === "undefined" || ctx.typeof(errorHandle) === "object") {
        if (pooled.growthRefused || /^InternalError: out of memory/.test(text)) {
          return new SandboxError("CODE_MEMORY_LIMIT", `memory limit of ${mib(limits.memoryBytes)} exceeded`, logs.entries());
        }
      }
      if (/^InternalError: stack overflow/.test(text)) {
        return new SandboxError("CODE_MEMORY_LIMIT", `stack overflow: recursion deeper than the ${limits.stackBytes / 1024} KiB stack allows`, logs.entries());
      }
      return kind === "output"
        ? new SandboxError("CODE_INVALID_OUTPUT", `the returned value cannot be turned into JSON: ${text}`, logs.entries())
        : new SandboxError("CODE_ERROR", text, logs.entries());
    };

    const hostLog = own(
      ctx.newFunction("hostLog", (level, text) => {
        if (ctx.typeof(level) !== "string" || ctx.typeof(text) !== "string") return;
        const name = ctx.getString(level);
        // The text is copied out of the VM only while there is room for it.
        if (LEVELS.has(name)) logs.record(name as SandboxLogLevel, () => ctx.getString(text));
      }),
    );
    const prelude = ctx.evalCode(SANDBOX_PRELUDE, "runnel-prelude.js");
    if (prelude.error !== undefined) throw fail(own(prelude.error), undefined, "run");
    const factory = own(prelude.value);
    const made = ctx.callFunction(
      factory,
      ctx.undefined,
      hostLog,
      own(ctx.newNumber(limits.maxLogChars)),
      own(ctx.newNumber(limits.maxOutputChars)),
      own(ctx.newNumber(limits.maxOutputDepth)),
    );
    if (made.error !== undefined) throw fail(own(made.error), undefined, "run");
    const helpers = own(made.value);
    const start = own(ctx.getProp(helpers, "start"));
    const finish = own(ctx.getProp(helpers, "finish"));
    const describe = own(ctx.getProp(helpers, "describe"));

    // --- user code from here on ---
    const call = ctx.callFunction(start, ctx.undefined, own(ctx.newString(source)), own(ctx.newString(inputJson)));
    if (call.error !== undefined) throw fail(own(call.error), describe, "run");
    const promise = own(call.value);

    let settled: QuickJSHandle;
    for (;;) {
      const state = ctx.getPromiseState(promise);
      if (state.type === "fulfilled") {
        settled = own(state.value);
        break;
      }
      if (state.type === "rejected") throw fail(own(state.error), describe, "run");
      if (interrupted || Date.now() > deadline) throw timeout(limits, logs);
      if (!rt.hasPendingJob()) {
        throw new SandboxError("CODE_TIMEOUT", "the code's promise can never settle (it awaits something that is never resolved)", logs.entries());
      }
      const jobs = rt.executePendingJobs(256);
      if (jobs.error !== undefined) throw fail(own(jobs.error), describe, "run");
    }

    const serialised = ctx.callFunction(finish, ctx.undefined, settled);
    if (serialised.error !== undefined) throw fail(own(serialised.error), describe, "output");
    const json = own(serialised.value);
    if (ctx.typeof(json) === "undefined") return { value: undefined, logs: logs.entries(), durationMs: Date.now() - started };
    // finish() already bounds the text; check again rather than trust anything in the VM.
    const length = ctx.typeof(json) === "string" ? ctx.getNumber(own(ctx.getProp(json, "length"))) : NaN;
    if (!(length <= limits.maxOutputChars)) {
      throw new SandboxError("CODE_INVALID_OUTPUT", `the returned value's JSON is over the ${limits.maxOutputChars} character limit`, logs.entries());
    }
    return { value: parseOutput(ctx.getString(json), logs), logs: logs.entries(), durationMs: Date.now() - started };
  } catch (error) {
    if (error instanceof SandboxError) throw error;
    // Not a JS exception inside QuickJS but a failure of the wasm instance itself (a trap,
    // or V8's stack limit hit while QuickJS recursed natively). Its heap can no longer be
    // trusted, so it is neither disposed nor reused.
    trapped = true;
    retireModule(pooled);
    if (error instanceof RangeError && /call stack/i.test(error.message)) {
      throw new SandboxError("CODE_MEMORY_LIMIT", "stack overflow: the code recursed or nested data too deeply", logs.entries());
    }
    if (interrupted) throw timeout(limits, logs);
    if (pooled.growthRefused) throw new SandboxError("CODE_MEMORY_LIMIT", `memory limit of ${mib(limits.memoryBytes)} exceeded`, logs.entries());
    throw new SandboxError("CODE_ERROR", `sandbox failure: ${error instanceof Error ? error.message : String(error)}`, logs.entries());
  } finally {
    if (!trapped) {
      try {
        for (const handle of owned.reverse()) if (handle.alive) handle.dispose();
        vm?.dispose();
        runtime?.dispose();
      } catch {
        retireModule(pooled);
      }
    }
    releaseModule(pooled);
  }
}

function parseOutput(json: string, logs: LogCollector): JsonValue {
  try {
    return JSON.parse(json) as JsonValue;
  } catch {
    throw new SandboxError("CODE_INVALID_OUTPUT", "the returned value did not serialise to valid JSON", logs.entries());
  }
}

function serialiseInput(input: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(input);
  } catch (error) {
    // Data nested deeper than V8's own stack allows (a parsed webhook body can be).
    if (error instanceof RangeError) throw new SandboxError("CODE_MEMORY_LIMIT", "the input is nested too deeply to pass into the sandbox", []);
    throw new TypeError(`runInSandbox: input must be JSON-serialisable (${String(error)})`);
  }
  if (typeof json !== "string") throw new TypeError("runInSandbox: input must be JSON-serialisable");
  return json;
}

function timeout(limits: Limits, logs: LogCollector): SandboxError {
  return new SandboxError("CODE_TIMEOUT", `the code ran longer than ${limits.timeoutMs} ms`, logs.entries());
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`runInSandbox: ${name} must be a positive number`);
  return value;
}

function mib(bytes: number): string {
  return `${Math.round((bytes / MiB) * 10) / 10} MiB`;
}

class LogCollector {
  private readonly kept: SandboxLog[] = [];
  private chars = 0;
  private dropped = 0;
  constructor(
    private readonly maxLines: number,
    private readonly maxChars: number,
  ) {}

  record(level: SandboxLogLevel, read: () => string): void {
    const room = this.maxChars - this.chars;
    if (this.kept.length >= this.maxLines || room <= 0) {
      this.dropped++;
      return;
    }
    const message = read();
    const text = message.length > room ? `${message.slice(0, room)}…` : message;
    this.chars += text.length;
    this.kept.push({ level, message: text });
  }

  entries(): SandboxLog[] {
    const out = [...this.kept];
    if (this.dropped > 0) out.push({ level: "warn", message: `[${this.dropped} more console lines dropped]` });
    return out;
  }
}
