import { z } from "zod";
import { defineNode } from "./contract.ts";
import { templateField } from "./fields.ts";

export const logNode = defineNode({
  type: "log",
  category: "action",
  title: "Log",
  description: "Writes a line to the server log and the run log, and passes the message on.",
  icon: "scroll",
  keywords: ["print", "debug", "console", "trace", "output"],
  outputs: ["out"],
  // Repeating a log line after a crash is harmless, so logging does not wait for durability.
  sideEffects: false,
  config: z.object({
    level: z.enum(["debug", "info", "warn", "error"]).default("info"),
    message: templateField("text with {{ expressions }}, e.g. got {{ body.id }}").default("{{ $string($) }}"),
  }),
  async run(ctx, msg, config) {
    const line = await ctx.render(config.message, msg);
    ctx.log(config.level, line);
    ctx.meta.logged = line;
    return { out: [msg] };
  },
});
