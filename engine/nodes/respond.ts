import { z } from "zod";
import { defineNode } from "./contract.ts";
import { expressionField, templateField } from "./fields.ts";

export const respondNode = defineNode({
  type: "respond",
  category: "action",
  title: "Respond",
  description: "Answers the webhook request that started this run (webhook in respond mode).",
  icon: "reply",
  keywords: ["reply", "response", "return", "http", "answer"],
  outputs: [],
  // Its one effect, the reply, is held by the executor until this step is journaled.
  sideEffects: false,
  config: z.object({
    status: z.number().int().min(100).max(599).default(200),
    headers: z.record(z.string(), templateField("header value")).default({}),
    body: expressionField("JSONata for the body; empty = the whole message").default(""),
  }),
  async run(ctx, msg, config) {
    const body = config.body.trim() === "" ? msg : await ctx.evaluate(config.body, msg);
    const headers: Record<string, string> = {};
    for (const [name, template] of Object.entries(config.headers)) headers[name] = await ctx.render(template, msg);
    const sent = ctx.respond({ status: config.status, headers, body: body ?? null });
    ctx.meta.replied = sent;
    if (!sent) ctx.meta.note = "no webhook is waiting for a reply (accepted mode or not a webhook run)";
    return {};
  },
});
