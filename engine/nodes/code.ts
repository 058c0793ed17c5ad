import { z } from "zod";
import { StepFailure } from "../expr/index.ts";
import { durationMs, parseDuration, type Json } from "../model/index.ts";
import { SandboxError } from "../sandbox/quickjs-sandbox.ts";
import { sandboxPool } from "../sandbox/sandbox-pool.ts";
import { defineNode, type NodeResult } from "./contract.ts";
import { durationField } from "./fields.ts";

const MAX_TIMEOUT_MS = 5 * 60_000;

export const codeConfig = z.object({
  source: z
    .string()
    .max(1_000_000)
    .default("return msg;")
    .meta({
      format: "javascript",
      description: "body of `async function (msg)`: return a message, an array of messages (each goes out), or nothing (the branch ends)",
    }),
  timeout: durationField("time limit of one call (the node is stopped when it passes)")
    .refine((text) => (parseDuration(text) ?? 0) > 0 && (parseDuration(text) ?? 0) <= MAX_TIMEOUT_MS, "between 1ms and 5m")
    .default("1s"),
  memoryMb: z.number().int().min(8).max(1024).default(64).meta({ description: "heap limit of the code, in MiB" }),
});

export const codeNode = defineNode({
  type: "code",
  category: "logic",
  title: "Code",
  description: "Runs JavaScript on the message in a QuickJS sandbox with time and memory limits; no access to the host, network or files.",
  icon: "code",
  keywords: ["javascript", "js", "script", "function", "sandbox", "quickjs", "custom"],
  outputs: ["out"],
  config: codeConfig,
  async run(ctx, msg, config): Promise<NodeResult> {
    const options = { timeoutMs: durationMs(config.timeout), memoryBytes: config.memoryMb * 1024 * 1024 };
    try {
      const result = await sandboxPool().run(config.source, msg, options, ctx.signal);
      if (result.logs.length > 0) ctx.meta.logs = result.logs;
      ctx.meta.durationMs = result.durationMs;
      if (result.value === undefined) return {};
      return { out: Array.isArray(result.value) ? (result.value as Json[]) : [result.value as Json] };
    } catch (error) {
      if (!(error instanceof SandboxError)) throw error;
      if (error.logs.length > 0) ctx.meta.logs = error.logs;
      throw new StepFailure(error.code, error.message);
    }
  },
});
