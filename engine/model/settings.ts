import { z } from "zod";
import { isDuration } from "./duration.ts";

export const durationString = z
  .string()
  .refine(isDuration, { message: "expected a duration like 500ms, 30s, 10m, 24h or 30d" });

/** Settings common to every node; they live beside `config` (DESIGN §10). */
export const nodeSettingsSchema = z.object({
  retry: z
    .object({
      maxAttempts: z.number().int().min(1).max(100).default(1),
      backoff: durationString.default("1s"),
      maxBackoff: durationString.default("1m"),
    })
    .default({ maxAttempts: 1, backoff: "1s", maxBackoff: "1m" }),
  timeout: durationString.default("30s"),
  onError: z.enum(["fail", "continue"]).default("fail"),
});

export type NodeSettings = z.infer<typeof nodeSettingsSchema>;

export function resolveSettings(raw: unknown): NodeSettings {
  return nodeSettingsSchema.parse(raw ?? {});
}
