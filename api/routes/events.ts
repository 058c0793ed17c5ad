import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { EngineEvent } from "../../engine/index.ts";
import type { AppDeps } from "../app.ts";

const MAX_BUFFERED = 1_000;

/** Live run and step updates as Server-Sent Events, for all flows or one (`?flowId=`). */
export function eventRoutes(deps: AppDeps) {
  return new Hono().get("/", (c) => {
    const flowId = c.req.query("flowId");
    return streamSSE(c, async (stream) => {
      let queue: EngineEvent[] = [];
      let missed = 0;
      let wake: (() => void) | undefined;
      const unsubscribe = deps.engine.events.on((event) => {
        if (flowId && event.flowId !== flowId) return;
        // A slow client gets a marker instead of an unbounded buffer.
        if (queue.length >= MAX_BUFFERED) missed++;
        else queue.push(event);
        wake?.();
      });
      let closed = false;
      stream.onAbort(() => {
        closed = true;
        unsubscribe();
        wake?.();
      });
      await stream.writeSSE({ event: "ready", data: JSON.stringify({ flowId: flowId ?? null }) });
      while (!closed) {
        if (queue.length === 0 && missed === 0) {
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, 15_000).unref();
          });
          wake = undefined;
          if (queue.length === 0 && missed === 0 && !closed) await stream.writeSSE({ event: "ping", data: "{}" });
          continue;
        }
        const batch = queue;
        queue = [];
        if (missed > 0) {
          await stream.writeSSE({ event: "missed", data: JSON.stringify({ missed, refetch: true }) });
          missed = 0;
        }
        for (const event of batch) await stream.writeSSE({ event: event.type, data: JSON.stringify(event) });
      }
      unsubscribe();
    });
  });
}
