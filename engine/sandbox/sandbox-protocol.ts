// Messages between the sandbox pool (host) and a sandbox worker thread. `recycle`: the job
// left the thread holding notably more memory (its QuickJS module grew or was retired, or its
// JS heap grew), so the thread is replaced rather than kept at that size.
import type { JsonValue, SandboxErrorCode, SandboxLog, SandboxOptions } from "./quickjs-sandbox.ts";

export interface SandboxJob {
  id: number;
  source: string;
  input: unknown;
  options: SandboxOptions;
}

export type SandboxReply =
  | { type: "ready" }
  /** The job's QuickJS module is loaded and its own clock starts now. */
  | { type: "started"; id: number }
  | { type: "result"; id: number; value: JsonValue | undefined; logs: SandboxLog[]; durationMs: number; recycle: boolean }
  | { type: "error"; id: number; code: SandboxErrorCode; message: string; logs: SandboxLog[]; recycle: boolean };
