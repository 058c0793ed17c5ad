import { z } from "zod";
import { StepFailure } from "../expr/index.ts";
import { defineNode, type NodeResult } from "./contract.ts";
import { expressionField } from "./fields.ts";
import { asItems, maxItemsField } from "./items.ts";

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
    maxItems: maxItemsField("a longer array fails the step rather than flooding the run"),
  }),
  async run(ctx, msg, config): Promise<NodeResult> {
    const items = asItems(await ctx.evaluate(config.path, msg));
    if (items.length > config.maxItems) {
      throw new StepFailure("SPLIT_TOO_LARGE", `${config.path} has ${items.length} items; the limit is ${config.maxItems}`, { permanent: true });
    }
    const total = items.length;
    ctx.meta.total = total;
    return { out: items.map((item, index) => ({ item, index, total })) };
  },
});
