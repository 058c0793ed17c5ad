import { z } from "zod";
import { StepFailure } from "../expr/index.ts";
import type { Json } from "../model/index.ts";
import { defineNode, type NodeResult } from "./contract.ts";
import { expressionField } from "./fields.ts";

export const splitNode = defineNode({
  type: "split",
  category: "logic",
  title: "Split",
  description: "Sends one message `{ item, index, total }` per element of an array.",
  icon: "list",
  keywords: ["each", "loop", "iterate", "array", "items", "foreach", "fan-out"],
  outputs: ["out"],
  config: z.object({
    path: expressionField("JSONata to the array, e.g. body.items").min(1, "a split needs a path"),
    maxItems: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(1_000)
      .meta({ description: "a longer array fails the step rather than flooding the run" }),
  }),
  async run(ctx, msg, config): Promise<NodeResult> {
    const value = await ctx.evaluate(config.path, msg);
    // JSONata yields a lone match as a value, not a one-element array: treat it as one item.
    const items = value === undefined ? [] : Array.isArray(value) ? (value as Json[]) : [value as Json];
    if (items.length > config.maxItems) {
      throw new StepFailure("SPLIT_TOO_LARGE", `${config.path} has ${items.length} items; the limit is ${config.maxItems}`, { permanent: true });
    }
    ctx.meta.total = items.length;
    const total = items.length;
    return { out: items.map((item, index) => ({ item, index, total })) };
  },
});
