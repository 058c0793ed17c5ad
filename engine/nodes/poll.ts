import { z } from "zod";
import { parseDuration } from "../model/duration.ts";
import { defineNode } from "./contract.ts";
import { durationField, expressionField } from "./fields.ts";
import { maxItemsField } from "./items.ts";

export const pollConfig = z.object({
  url: z
    .string()
    .trim()
    .min(1, "a poll needs a URL")
    .refine(isHttpUrl, { message: "expected an http:// or https:// URL" })
    .meta({ description: "fetched with GET on every interval" }),
  interval: durationField("how often to fetch; at least 1s")
    .default("5m")
    .refine((text) => (parseDuration(text) ?? 0) >= 1_000, { message: "the interval must be at least 1s" }),
  items: expressionField("JSONata from the response body to the array of items; empty = the whole body").default(""),
  headers: z.record(z.string(), z.string()).default({}),
  maxItems: maxItemsField("items past this many in one response are dropped, with a warning in the log"),
});

export type PollConfig = z.output<typeof pollConfig>;

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

export const pollNode = defineNode({
  type: "poll",
  category: "trigger",
  title: "Poll",
  description: "Fetches a URL on an interval and starts one run per item of the response (pair it with dedupe for new items only).",
  icon: "refresh",
  keywords: ["feed", "rss", "fetch", "interval", "watch", "check", "api", "new items"],
  outputs: ["out"],
  config: pollConfig,
  trigger: { kind: "poll" },
  run: (_ctx, msg) => ({ out: [msg] }),
});
