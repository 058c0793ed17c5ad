import { z } from "zod";
import { RUN_STATUSES } from "../model/index.ts";
import type { Logger } from "../executor/run-executor.ts";
import type { Relay, RelayTopic } from "../store/relay.ts";
import type { EngineEvent, EventBus } from "./events.ts";
import type { FlowService } from "./flow-service.ts";
import type { ReplyHub, ReplyOutcome } from "./replies.ts";

/** Events are sent in batches: one notification per burst instead of one per step. */
const BATCH_DELAY_MS = 50;
const BATCH_MAX = 40;

// Our own processes, possibly one version apart: check what consumers rely on, keep the rest.
const eventSchema = z
  .object({ type: z.string(), runId: z.string(), flowId: z.string(), status: z.string() })
  .loose()
  .transform((event) => event as unknown as EngineEvent);
const eventBatch = z.array(eventSchema);

const outcomeSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("reply"),
    reply: z.object({ status: z.number().int(), headers: z.record(z.string(), z.string()), body: z.unknown() }),
  }),
  z.object({
    kind: z.literal("finished"),
    status: z.enum(RUN_STATUSES),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
  }),
]);
const replyMessage = z.object({ runId: z.string(), outcome: outcomeSchema });
const flowMessage = z.object({ flowId: z.string() });

export interface RelayedParts {
  events: EventBus;
  replies: ReplyHub;
  flows: FlowService;
}

/**
 * Joins this process to the others sharing the store: local run events go out (batched) and
 * arrive on every other process's EventBus (SSE, metrics); a webhook reply produced by a run
 * executing here reaches the process whose request waits for it; a flow saved here is reloaded
 * there (webhook routes, schedules).
 */
export function linkRelay(relay: Relay, { events, replies, flows }: RelayedParts, logger: Logger, options: { receive: boolean }) {
  const received = new WeakSet<object>();
  let batch: EngineEvent[] = [];
  let timer: NodeJS.Timeout | undefined;
  let sending: Promise<void> = Promise.resolve();

  const send = (topic: RelayTopic, payload: unknown) => {
    sending = sending
      .then(() => relay.publish(topic, payload))
      .catch((err: unknown) => logger.log("warn", `relaying ${topic} to other processes failed`, { error: String(err) }));
  };
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (batch.length === 0) return;
    send("events", batch);
    batch = [];
  };

  const offLocal = events.on((event) => {
    if (received.has(event)) return;
    batch.push(event);
    if (batch.length >= BATCH_MAX) flush();
    else timer ??= setTimeout(flush, BATCH_DELAY_MS);
  });
  replies.forwardUndelivered((runId, outcome: ReplyOutcome) => send("replies", { runId, outcome }));
  const offSaved = flows.onSaved((flowId) => send("flows", { flowId }));

  function receive(): () => void {
    const offEvents = relay.subscribe("events", (payload) => {
      const parsed = eventBatch.safeParse(payload);
      if (!parsed.success) return logger.log("warn", "ignored a malformed event batch from another process");
      for (const event of parsed.data) {
        received.add(event);
        events.emit(event);
      }
    });
    const offReplies = relay.subscribe("replies", (payload) => {
      const parsed = replyMessage.safeParse(payload);
      if (!parsed.success) return logger.log("warn", "ignored a malformed webhook reply from another process");
      // Only the process holding the request answers it; the rest drop the message.
      if (replies.isWaiting(parsed.data.runId)) replies.deliver(parsed.data.runId, parsed.data.outcome);
    });

    const offFlows = relay.subscribe("flows", (payload) => {
      const parsed = flowMessage.safeParse(payload);
      if (!parsed.success) return logger.log("warn", "ignored a malformed flow notice from another process");
      flows.refresh(parsed.data.flowId).catch((err: unknown) => {
        logger.log("warn", "reloading a flow saved by another process failed", { flowId: parsed.data.flowId, error: String(err) });
      });
    });
    return () => {
      for (const off of [offEvents, offReplies, offFlows]) off();
    };
  }

  // A process serving no HTTP (runnel worker) has no one to show events to or answer: it only sends.
  const offReceiving = options.receive ? receive() : () => undefined;

  return {
    /** Resolves once messages from other processes arrive here. */
    ready: () => relay.ready(),
    /** Sends what is buffered and stops relaying. */
    async close(): Promise<void> {
      replies.forwardUndelivered(() => undefined);
      for (const off of [offLocal, offSaved, offReceiving]) off();
      flush();
      await sending;
    },
  };
}
