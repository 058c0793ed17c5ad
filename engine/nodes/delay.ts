import { z } from "zod";
import { durationMs } from "../model/duration.ts";
import { defineNode, type NodeResult } from "./contract.ts";
import { durationField } from "./fields.ts";
import { isoTime } from "../iso-time.ts";

export const delayNode = defineNode({
  type: "delay",
  category: "logic",
  title: "Delay",
  description: "Waits, durably: the run is parked in the store, survives a restart and resumes on time.",
  icon: "timer",
  keywords: ["wait", "sleep", "pause", "later", "timer", "defer"],
  outputs: ["out"],
  config: z.object({
    duration: durationField("how long to wait: 500ms, 30s, 10m, 24h, 30d").default("1m"),
  }),
  run(ctx, msg, config): NodeResult {
    // First visit: ask the executor to park this item. When it comes due the node runs again
    // with ctx.wakeAt set, and only then passes the message on.
    if (ctx.wakeAt === undefined) return { waitUntil: ctx.now() + durationMs(config.duration) };
    ctx.meta.waitedUntil = isoTime(ctx.wakeAt);
    return { out: [msg] };
  },
});
