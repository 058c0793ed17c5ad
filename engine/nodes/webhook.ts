import { z } from "zod";
import { defineNode } from "./contract.ts";
import { durationField } from "./fields.ts";

export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

const webhookAuth = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("none") }),
    z.object({ type: z.literal("header"), header: z.string().min(1), credential: z.string().min(1) }),
    z.object({ type: z.literal("standard-webhooks"), credential: z.string().min(1) }),
    z.object({ type: z.literal("github"), credential: z.string().min(1) }),
    z.object({
      type: z.literal("hmac"),
      header: z.string().min(1),
      algorithm: z.enum(["sha1", "sha256", "sha512"]).default("sha256"),
      encoding: z.enum(["hex", "base64"]).default("hex"),
      credential: z.string().min(1),
    }),
  ])
  .default({ type: "none" });

export const webhookConfig = z.object({
  path: z
    .string()
    .trim()
    .min(1, "a webhook needs a path")
    .max(500)
    .regex(/^\/?[A-Za-z0-9._~:\-/]+$/, "use letters, digits, - _ . ~ / and :params only")
    .refine((p) => !p.split("/").includes(".."), "path may not contain ..")
    .meta({ description: "URL path under /hooks/; `:name` segments become params" }),
  method: z.enum(HTTP_METHODS).default("POST"),
  respond: z
    .enum(["accepted", "respond"])
    .default("accepted")
    .meta({ description: "accepted: answer 202 at once; respond: wait for a respond node" }),
  timeoutMs: z.number().int().min(100).max(300_000).default(30_000),
  auth: webhookAuth,
  idempotencyHeader: z
    .string()
    .max(100)
    .optional()
    .meta({ description: "extra header carrying a delivery id (Idempotency-Key and webhook-id always count)" }),
  idempotencyWindow: durationField("how long a delivery id is remembered").default("24h"),
});

export type WebhookConfig = z.output<typeof webhookConfig>;

export const webhookNode = defineNode({
  type: "webhook",
  category: "trigger",
  title: "Webhook",
  description: "Starts a run for each HTTP request to /hooks/<path>.",
  icon: "webhook",
  keywords: ["http", "request", "endpoint", "incoming", "url", "api"],
  outputs: ["out"],
  config: webhookConfig,
  trigger: { kind: "webhook" },
  run: (_ctx, msg) => ({ out: [msg] }),
});
