import { z } from "zod";

/** One live update from `GET /api/events`. */
export interface RunEvent {
  type: (typeof RUN_EVENT_NAMES)[number];
  runId: string;
  flowId: string;
  /** The run's status on run.* events, the step's on step.finished. */
  status?: string;
}

const RUN_EVENT_NAMES = ["run.queued", "run.started", "step.finished", "run.finished"] as const;
const eventSchema = z.object({ runId: z.string(), flowId: z.string(), status: z.string().optional() });

export interface RunEventHandlers {
  onEvent(event: RunEvent): void;
  /** The server dropped events for this client (slow, or resumed from an unknown id): refetch. */
  onMissed(): void;
  onConnection?(connected: boolean): void;
}

/**
 * Subscribes to run events for one flow or all. EventSource reconnects by itself and sends
 * Last-Event-ID, so a short drop replays what was missed; a long one arrives as `missed`.
 */
export function subscribeRunEvents(flowId: string | undefined, handlers: RunEventHandlers): () => void {
  const source = new EventSource(flowId ? `/api/events?flowId=${encodeURIComponent(flowId)}` : "/api/events");
  let wasOpen = false;
  source.onopen = () => {
    handlers.onConnection?.(true);
    // After a reconnect the replay may not cover everything (a restarted server): refetch once.
    if (wasOpen) handlers.onMissed();
    wasOpen = true;
  };
  source.onerror = () => handlers.onConnection?.(false);
  for (const type of RUN_EVENT_NAMES) {
    source.addEventListener(type, (message: MessageEvent<string>) => {
      const parsed = eventSchema.safeParse(parseJson(message.data));
      if (!parsed.success || (flowId && parsed.data.flowId !== flowId)) return;
      handlers.onEvent({ type, ...parsed.data });
    });
  }
  source.addEventListener("missed", () => handlers.onMissed());
  return () => source.close();
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Calls `fn` at most once per `ms`, trailing: bursts of events become one refetch. */
export function coalesce(fn: () => void, ms: number): { (): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const call = () => {
    if (timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      fn();
    }, ms);
  };
  call.cancel = () => clearTimeout(timer);
  return call;
}
