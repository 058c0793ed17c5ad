import { z } from "zod";
import { defineNode, type NodeResult } from "./contract.ts";
import { expressionField } from "./fields.ts";
import type { Json } from "../model/index.ts";

export const transformNode = defineNode({
  type: "transform",
  category: "logic",
  title: "Transform",
  description: "Reshapes the message with a JSONata expression; its result becomes the message.",
  icon: "shuffle",
  keywords: ["map", "set", "reshape", "jsonata", "convert", "edit", "fields"],
  outputs: ["out"],
  config: z.object({
    expression: expressionField("JSONata, e.g. { \"user\": body.user.email, \"total\": body.amount * 1.2 }").min(1, "a transform needs an expression"),
  }),
  async run(ctx, msg, config): Promise<NodeResult> {
    const result = await ctx.evaluate(config.expression, msg);
    if (result === undefined) {
      ctx.meta.note = "expression returned nothing; branch ends";
      return {};
    }
    return { out: [result as Json] };
  },
});
