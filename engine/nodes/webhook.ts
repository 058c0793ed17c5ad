import { z } from "zod";
import { defineNode } from "./contract.ts";
import { webhookAuthSchema } from "../security/webhook-auth-schema.ts";
import { durationField } from "./fields.ts";

export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

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
  auth: webhookAuthSchema
    .default({ type: "none" })
    .meta({ description: "verify senders: a header token, Standard Webhooks, GitHub or a generic HMAC signature" }),
  rateLimit: z
    .object({
      requests: z.number().int().min(1).max(1_000_000),
      per: durationField("the window the requests are counted in, e.g. 1m"),
    })
    .optional()
    .meta({ description: "answer 429 with Retry-After beyond this many requests per window" }),
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
