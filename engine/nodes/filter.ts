import { z } from "zod";
import { defineNode, type NodeResult } from "./contract.ts";
import { expressionField } from "./fields.ts";
import { isTruthy } from "./truthy.ts";

export const filterNode = defineNode({
  type: "filter",
  category: "logic",
  title: "Filter",
  description: "Passes messages whose condition holds to `out`, the rest to `rejected`.",
  icon: "filter",
  keywords: ["if", "condition", "when", "only", "where", "match", "guard"],
  outputs: ["out", "rejected"],
  config: z.object({
    condition: expressionField("JSONata; a truthy result passes, e.g. body.ref = 'refs/heads/main'").min(1, "a filter needs a condition"),
  }),
  async run(ctx, msg, config): Promise<NodeResult> {
    const passed = isTruthy(await ctx.evaluate(config.condition, msg));
    return passed ? { out: [msg] } : { rejected: [msg] };
  },
});
