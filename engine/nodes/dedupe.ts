import { z } from "zod";
import { bodyHashKey, effectiveScope, keyFromValue } from "../dedupe/keys.ts";
import { StepFailure } from "../expr/index.ts";
import { parseDuration } from "../model/duration.ts";
import { defineNode, type NodeResult } from "./contract.ts";
import { expressionField } from "./fields.ts";
import { isoTimeOrNull } from "../iso-time.ts";

const FOREVER = "forever";
/** ~100 years: beyond that a window is `forever`, and expiry times stay exact integers. */
const MAX_WINDOW_MS = 36_500 * 86_400_000;

const isWindow = (ms: number | undefined) => ms !== undefined && ms > 0 && ms <= MAX_WINDOW_MS;

const windowField = z
  .string()
  .trim()
  .refine((text) => text === FOREVER || isWindow(parseDuration(text)), {
    message: "expected a duration like 10m, 24h or 30d (more than 0, at most 36500d), or forever",
  })
  .default("24h")
  .meta({ format: "duration", description: "how long a key is remembered: 10m, 24h, 30d… or forever" });

export const dedupeNode = defineNode({
  type: "dedupe",
  category: "logic",
  title: "Dedupe",
  description:
    "Lets the first message with a key through to `out` and sends repeats within the window to `duplicate`. " +
    "Atomic across concurrent runs and workers; a run that fails afterwards frees its key again (releaseOnFailure).",
  icon: "copy-check",
  keywords: ["unique", "once", "duplicate", "distinct", "idempotent", "repeat", "seen", "new only"],
  outputs: ["out", "duplicate"],
  config: z.object({
    key: expressionField(
      "JSONata for the key, e.g. headers.`x-github-delivery` or item.id. Empty: the SHA-256 of the canonical JSON " +
        "(keys sorted) of msg.body when the message has a body, else of the whole message",
    ).default(""),
    window: windowField,
    scope: z
      .string()
      .trim()
      .min(1, "scope is node, flow or a namespace name")
      .max(200)
      .default("node")
      .meta({
        description:
          "node: keys of this node only (stored as node:<flowId>:<nodeId>); flow: shared by the dedupe nodes of this " +
          "flow (flow:<flowId>); any other name: a namespace shared across flows (ns:<name>)",
      }),
    releaseOnFailure: z
      .boolean()
      .default(true)
      .meta({ description: "if the run fails after this node, forget the key so a redelivery passes" }),
  }),
  async run(ctx, msg, config): Promise<NodeResult> {
    const dedupe = ctx.services.dedupe;
    if (!dedupe) throw new StepFailure("DEDUPE_UNAVAILABLE", "this engine has no dedupe service", { permanent: true });
    const key = config.key.trim() === "" ? bodyHashKey(msg) : keyFromValue(await ctx.evaluate(config.key, msg));
    if (key === undefined) {
      throw new StepFailure("DEDUPE_NO_KEY", `key expression ${JSON.stringify(config.key)} gave no value for this message`, {
        permanent: true,
        details: { expression: config.key },
      });
    }
    const scope = effectiveScope(config.scope, ctx.flow.id, ctx.node.id);
    const now = ctx.now();
    const windowMs = config.window === FOREVER ? null : parseDuration(config.window)!;
    const expiresAt = windowMs === null ? null : now + windowMs;
    Object.assign(ctx.meta, { key, scope, window: config.window });
    const outcome = await dedupe.claim({
      scope,
      key,
      runId: ctx.runId,
      execution: `${ctx.node.id}:${ctx.execution}`,
      now,
      expiresAt,
      releaseOnFailure: config.releaseOnFailure,
    }, ctx.holdEffects);
    if (outcome.first) {
      Object.assign(ctx.meta, { outcome: "first", expiresAt: isoTimeOrNull(expiresAt) });
      return { out: [msg] };
    }
    Object.assign(ctx.meta, { outcome: "duplicate", firstRunId: outcome.firstRunId, firstSeenAt: isoTimeOrNull(outcome.firstSeenAt) });
    return { duplicate: [msg] };
  },
});
