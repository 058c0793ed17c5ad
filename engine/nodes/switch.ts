import { z } from "zod";
import { ERROR_PORT } from "../model/index.ts";
import { defineNode, type NodeResult } from "./contract.ts";
import { expressionField } from "./fields.ts";
import { isTruthy } from "./truthy.ts";

export const DEFAULT_PORT = "default";

const rule = z.object({
  port: z
    .string()
    .trim()
    .min(1, "a rule needs a port name")
    .max(60)
    .regex(/^[A-Za-z0-9_-]+$/, "use letters, digits, - and _ only")
    .refine((port) => port !== DEFAULT_PORT && port !== ERROR_PORT, { message: `"${DEFAULT_PORT}" and "${ERROR_PORT}" are reserved` })
    .meta({ description: "name of the output port this rule sends to" }),
  condition: expressionField("JSONata; the first rule whose result is truthy wins").min(1, "a rule needs a condition"),
});

export const switchConfig = z.object({
  rules: z
    .array(rule)
    .max(100)
    .default([])
    .superRefine((rules, ctx) => {
      const seen = new Set<string>();
      rules.forEach((r, index) => {
        if (seen.has(r.port)) ctx.addIssue({ code: "custom", path: [index, "port"], message: `port "${r.port}" is used by two rules` });
        seen.add(r.port);
      });
    }),
});

export const switchNode = defineNode({
  type: "switch",
  category: "logic",
  title: "Switch",
  description: "Routes each message to the port of the first rule whose condition holds, else to `default`.",
  icon: "split",
  keywords: ["route", "case", "branch", "if", "else", "router", "choose"],
  outputs: (config) => [...config.rules.map((r) => r.port), DEFAULT_PORT],
  config: switchConfig,
  async run(ctx, msg, config): Promise<NodeResult> {
    for (const r of config.rules) {
      if (isTruthy(await ctx.evaluate(r.condition, msg))) {
        ctx.meta.matched = r.port;
        return { [r.port]: [msg] };
      }
    }
    ctx.meta.matched = DEFAULT_PORT;
    return { [DEFAULT_PORT]: [msg] };
  },
});
