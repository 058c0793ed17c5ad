// Messages between the sandbox pool (host) and a sandbox worker thread.
import type { JsonValue, SandboxErrorCode, SandboxLog, SandboxOptions } from "./quickjs-sandbox.ts";

export interface SandboxJob {
  id: number;
  source: string;
  input: unknown;
  options: SandboxOptions;
}

export type SandboxReply =
  | { type: "ready" }
  | { type: "result"; id: number; value: JsonValue | undefined; logs: SandboxLog[]; durationMs: number }
  | { type: "error"; id: number; code: SandboxErrorCode; message: string; logs: SandboxLog[] };
