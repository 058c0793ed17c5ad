// Runs inside a worker thread of the sandbox pool: one job at a time, each in a fresh QuickJS
// context (runInSandbox). The host kills this thread when a job overruns its deadline.
import { parentPort } from "node:worker_threads";
import { acquireModule } from "./quickjs-module.ts";
import { runInSandbox, SandboxError } from "./quickjs-sandbox.ts";
import type { SandboxJob, SandboxReply } from "./sandbox-protocol.ts";

const DEFAULT_MEMORY_BYTES = 64 * 1024 * 1024;
const port = parentPort;
if (!port) throw new Error("sandbox-worker.ts runs only as a worker thread");

const reply = (message: SandboxReply) => port.postMessage(message);

port.on("message", (job: SandboxJob) => {
  runInSandbox(job.source, job.input, job.options).then(
    (result) => reply({ type: "result", id: job.id, value: result.value, logs: result.logs, durationMs: result.durationMs }),
    (error: unknown) =>
      reply(
        error instanceof SandboxError
          ? { type: "error", id: job.id, code: error.code, message: error.message, logs: [...error.logs] }
          : { type: "error", id: job.id, code: "CODE_ERROR", message: `sandbox failure: ${error instanceof Error ? error.message : String(error)}`, logs: [] },
      ),
  );
});

// Load the default-size QuickJS module and run one trivial job before announcing readiness:
// V8 compiles wasm functions lazily, and the first call on a fresh thread cost ~0.3 s.
// (No top-level await: this module is bundled as CommonJS, see worker-bundle.ts.)
void acquireModule(DEFAULT_MEMORY_BYTES)
  .then(() => runInSandbox("return msg", 1))
  .then(() => reply({ type: "ready" }));
