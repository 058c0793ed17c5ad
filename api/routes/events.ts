import { Hono } from "hono";
import { streamSSE, type SSEStreamingApi } from "hono/streaming";
import type { AppDeps } from "../app.ts";
import { EventRing, type EventRingOptions } from "../event-ring.ts";

export interface EventStreamOptions extends EventRingOptions {
  /** A comment-free `ping` event keeps idle connections (and proxies) open. */
  pingMs?: number;
  /** Events written per socket write while catching up. */
  batch?: number;
}

/**
 * Live run and step updates as Server-Sent Events, for all flows or one (`?flowId=`). Every event
 * has an `id:`; a client reconnecting with `Last-Event-ID` (or `?lastEventId=`) gets what it missed
 * from a bounded ring, or a `missed` event telling it to refetch when that is no longer kept. A
 * client that reads slower than events arrive gets the same marker instead of a growing buffer.
 */
export function eventRoutes(deps: AppDeps, options: EventStreamOptions = {}) {
  const ring = new EventRing(options);
  deps.engine.events.on((event) => ring.append(event));
  const pingMs = options.pingMs ?? 15_000;
  const batch = options.batch ?? 256;

  return new Hono().get("/", (c) => {
    const flowId = c.req.query("flowId") || undefined;
    const lastEventId = c.req.header("Last-Event-ID") ?? c.req.query("lastEventId");
    c.header("X-Accel-Buffering", "no");
    return streamSSE(c, async (stream) => {
      let cursor = ring.lastId;
      // An id this ring never issued (an earlier process, another server): what came since is unknown.
      let unknownGap = false;
      if (lastEventId !== undefined && lastEventId !== "") {
        const id = Number(lastEventId);
        if (Number.isSafeInteger(id) && ring.issued(id)) cursor = id;
        else unknownGap = true;
      }
      let closed = false;
      let pingDue = false;
      let wake: (() => void) | undefined;
      const offAppend = ring.onAppend(() => wake?.());
      const ping = setInterval(() => {
        pingDue = true;
        wake?.();
      }, pingMs);
      stream.onAbort(() => {
        closed = true;
        wake?.();
      });
      try {
        await stream.write(`id: ${cursor}\nevent: ready\ndata: ${JSON.stringify({ flowId: flowId ?? null })}\n\n`);
        if (unknownGap) await writeMissed(stream, cursor, null);
        while (!closed) {
          if (cursor < ring.oldestId - 1) {
            // Fell out of the ring: skip to now; the client refetches instead.
            const missed = ring.lastId - cursor;
            cursor = ring.lastId;
            await writeMissed(stream, cursor, missed);
          } else if (cursor < ring.lastId) {
            let frames = "";
            const end = Math.min(ring.lastId, cursor + batch);
            for (let id = cursor + 1; id <= end; id++) {
              if (!flowId || ring.flowIdOf(id) === flowId) frames += ring.frame(id) ?? "";
            }
            cursor = end;
            if (frames) await stream.write(frames);
          } else if (pingDue) {
            pingDue = false;
            await stream.write("event: ping\ndata: {}\n\n");
          } else {
            await new Promise<void>((resolve) => (wake = resolve));
            wake = undefined;
          }
        }
      } finally {
        offAppend();
        clearInterval(ping);
      }
    });
  });
}

function writeMissed(stream: SSEStreamingApi, cursor: number, missed: number | null) {
  return stream.write(`id: ${cursor}\nevent: missed\ndata: ${JSON.stringify({ missed, refetch: true })}\n\n`);
}
