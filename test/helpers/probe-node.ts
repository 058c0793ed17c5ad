import { z } from "zod";
import { builtinNodes, Catalog } from "../../engine/index.ts";
import { defineNode } from "../../engine/nodes/index.ts";
import type { Message } from "../../engine/model/index.ts";

export interface ProbeCall {
  runId: string;
  nodeId: string;
  execution: number;
  /** The Idempotency-Key an outbound call of this execution would carry (DESIGN §10). */
  key: string;
  input: Message;
}

/**
 * A test-only node type that records every execution, so a test can assert what ran (and
 * what did not re-run after a resume). `bytes` makes it emit a message of about that size;
 * `holdMs` keeps it busy that long (an in-flight step).
 */
export function probeCatalog() {
  const calls: ProbeCall[] = [];
  const probe = defineNode({
    type: "probe",
    category: "action",
    title: "Probe",
    description: "Records its executions (tests only).",
    icon: "flask",
    outputs: ["out"],
    config: z.object({
      bytes: z.number().int().min(0).default(0),
      holdMs: z.number().int().min(0).default(0),
      /** Emit something JSON cannot hold (a BigInt), as a buggy node might. */
      unserialisable: z.boolean().default(false),
    }),
    async run(ctx, msg, config) {
      calls.push({ runId: ctx.runId, nodeId: ctx.node.id, execution: ctx.execution, key: `${ctx.runId}:${ctx.node.id}:${ctx.execution}`, input: msg });
      if (config.holdMs > 0) await new Promise((resolve) => setTimeout(resolve, config.holdMs));
      if (config.unserialisable) return { out: [{ n: BigInt(1) } as unknown as Message] };
      if (config.bytes > 0) return { out: [{ from: ctx.node.id, blob: "x".repeat(config.bytes) }] };
      return { out: [msg] };
    },
  });
  const catalog = new Catalog([...builtinNodes, probe as never]);
  return { catalog, calls, ran: (nodeId: string) => calls.filter((c) => c.nodeId === nodeId) };
}
