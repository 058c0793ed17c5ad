// What a webhook checks before it stores anything: its rate limit and its sender's
// authentication over the raw body bytes (DESIGN §10 `webhook.auth`).
import type { Engine } from "../engine/index.ts";
import { durationMs } from "../engine/model/duration.ts";
import type { WebhookRoute } from "../engine/runtime/webhook-router.ts";
import { REDACTED } from "../engine/security/credential-crypto.ts";
import { verifyWebhookAuth, webhookSecretDataSchema, type WebhookSecrets } from "../engine/security/webhook-signatures.ts";
import { ApiError } from "./errors.ts";

/**
 * Per-webhook token buckets: up to `requests` at once, refilled evenly over `per`. Counted in
 * this process (each API process of a scaled-out deployment limits on its own).
 */
export class WebhookRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number; requests: number; perMs: number }>();

  constructor(private readonly now: () => number) {}

  /** Throws 429 with Retry-After when the route's limit is used up. */
  take(route: WebhookRoute): void {
    const limit = route.config.rateLimit;
    if (!limit) return;
    const key = `${route.flowId}:${route.nodeId}`;
    const perMs = durationMs(limit.per);
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket || bucket.requests !== limit.requests || bucket.perMs !== perMs) {
      bucket = { tokens: limit.requests, at: now, requests: limit.requests, perMs };
      this.buckets.set(key, bucket);
    }
    const rate = limit.requests / perMs;
    bucket.tokens = Math.min(limit.requests, bucket.tokens + (now - bucket.at) * rate);
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return;
    }
    const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / rate / 1000));
    throw new ApiError(429, "RATE_LIMITED", `this webhook accepts ${limit.requests} requests per ${limit.per}; retry in ${retryAfter} s`, undefined, {
      "Retry-After": String(retryAfter),
    });
  }
}

/** Verifies the sender; a failure is a 401 with a code naming what was wrong, and nothing is stored. */
export async function authenticateWebhook(engine: Engine, route: WebhookRoute, headers: Record<string, string>, rawBody: Uint8Array): Promise<void> {
  const auth = route.config.auth;
  if (auth.type === "none") return;
  const secrets = await webhookSecrets(engine, auth.credential);
  const result = verifyWebhookAuth(auth, secrets, { headers, rawBody }, engine.clock.now());
  if (!result.ok) throw new ApiError(401, `WEBHOOK_${result.code}`, `webhook authentication failed: ${result.reason}`);
}

async function webhookSecrets(engine: Engine, credentialId: string): Promise<WebhookSecrets | undefined> {
  try {
    const credential = await engine.credentials.read(credentialId);
    const parsed = webhookSecretDataSchema.safeParse(credential?.data);
    if (parsed.success) return parsed.data;
    engine.logger.log("warn", `webhook credential ${credentialId} is missing or not a webhook-secret; every request is refused`);
  } catch (err) {
    engine.logger.log("error", `webhook credential ${credentialId} cannot be read: ${(err as Error).message}`);
  }
  return undefined;
}

/** The header that carried a token is not kept in the run log. */
export function loggedHeaders(route: WebhookRoute, headers: Record<string, string>): Record<string, string> {
  const auth = route.config.auth;
  if (auth.type !== "header") return headers;
  const name = auth.header.toLowerCase();
  return Object.fromEntries(Object.entries(headers).map(([key, value]) => [key, key.toLowerCase() === name ? REDACTED : value]));
}

/**
 * Delivery ids that make a repeat a replay: the signed `webhook-id` of Standard Webhooks and
 * GitHub's X-GitHub-Delivery come first; then the configured header, Idempotency-Key, webhook-id.
 */
export function deliveryIdHeaders(route: WebhookRoute): string[] {
  const names = ["idempotency-key", "webhook-id"];
  if (route.config.idempotencyHeader) names.unshift(route.config.idempotencyHeader.toLowerCase());
  if (route.config.auth.type === "standard-webhooks") names.unshift("webhook-id");
  if (route.config.auth.type === "github") names.unshift("x-github-delivery");
  return [...new Set(names)];
}

/** A signed delivery id must be remembered at least as long as its timestamp is accepted (either way). */
export function deliveryWindowMs(route: WebhookRoute): number {
  const window = durationMs(route.config.idempotencyWindow);
  const auth = route.config.auth;
  return auth.type === "standard-webhooks" ? Math.max(window, 2 * auth.toleranceSeconds * 1000) : window;
}
