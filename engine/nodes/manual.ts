import { z } from "zod";
import { defineNode } from "./contract.ts";
import type { Json } from "../model/index.ts";

export const manualNode = defineNode({
  type: "manual",
  category: "trigger",
  title: "Manual",
  description: "Starts a run on demand from the editor or the API, with a sample payload.",
  icon: "play",
  keywords: ["button", "test", "start", "run", "sample"],
  outputs: ["out"],
  config: z.object({
    payload: z
      .unknown()
      .default({})
      .transform((v) => v as Json)
      .meta({ format: "json", description: "message sent when the flow is run by hand" }),
  }),
  trigger: { kind: "manual" },
  run: (_ctx, msg) => ({ out: [msg] }),
});
