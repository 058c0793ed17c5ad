// Runs inside a worker thread of the sandbox pool: one job at a time, each in a fresh QuickJS
// context (runInSandbox). The host kills this thread when a job overruns its deadline.
import { getHeapStatistics } from "node:v8";
import { parentPort } from "node:worker_threads";
import { acquireModule } from "./quickjs-module.ts";
import { runInSandbox, SandboxError } from "./quickjs-sandbox.ts";
import type { SandboxJob, SandboxReply } from "./sandbox-protocol.ts";

const MiB = 1024 * 1024;
const DEFAULT_MEMORY_BYTES = 64 * MiB;
/** The release-sync build starts with a 16 MiB wasm memory (see quickjs-module.ts). */
const INITIAL_WASM_BYTES = 16 * MiB;
/** Past these, the thread asks to be replaced: a fresh thread is cheaper than memory kept for good. */
const RECYCLE_WASM_BYTES = INITIAL_WASM_BYTES + 8 * MiB;
const RECYCLE_HEAP_BYTES = 48 * MiB;
const port = parentPort;
if (!port) throw new Error("sandbox-worker.ts runs only as a worker thread");

const reply = (message: SandboxReply) => port.postMessage(message);

port.on("message", (job: SandboxJob) => void handle(job));

async function handle(job: SandboxJob): Promise<void> {
  // A fresh module (the previous one was retired) takes a while to load; the host's hard
  // deadline starts only once it is ready, as runInSandbox's own clock does.
  const pooled = await acquireModule(job.options.memoryBytes ?? DEFAULT_MEMORY_BYTES);
  reply({ type: "started", id: job.id });
  const bloated = () =>
    pooled.retired || pooled.memory.buffer.byteLength > RECYCLE_WASM_BYTES || getHeapStatistics().total_heap_size > RECYCLE_HEAP_BYTES;
  try {
    const result = await runInSandbox(job.source, job.input, job.options);
    reply({ type: "result", id: job.id, value: result.value, logs: result.logs, durationMs: result.durationMs, recycle: bloated() });
  } catch (error) {
    const recycle = bloated();
    if (error instanceof SandboxError) {
      reply({ type: "error", id: job.id, code: error.code, message: error.message, logs: [...error.logs], recycle });
    } else {
      const message = `sandbox failure: ${error instanceof Error ? error.message : String(error)}`;
      reply({ type: "error", id: job.id, code: "CODE_ERROR", message, logs: [], recycle });
    }
  }
}

// Load the default-size QuickJS module and run one trivial job before announcing readiness:
// V8 compiles wasm functions lazily, and the first call on a fresh thread cost ~0.3 s.
// (No top-level await: this module is bundled as CommonJS, see worker-bundle.ts.)
void acquireModule(DEFAULT_MEMORY_BYTES)
  .then(() => runInSandbox("return msg", 1))
  .then(() => reply({ type: "ready" }));
