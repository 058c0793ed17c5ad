export interface SseMessage {
  id?: string;
  event: string;
  data: unknown;
}

/**
 * Reads a Server-Sent Events response with fetch, as a browser's EventSource would parse it, so a
 * test can take messages one at a time (`next`) or until a condition (`until`) with a deadline.
 */
export async function openSse(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { accept: "text/event-stream", ...headers }, signal: controller.signal });
  if (!res.ok || !res.body) throw new Error(`SSE request failed: ${res.status}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const queue: SseMessage[] = [];
  let buffer = "";
  // A read left pending by a timeout is kept, so no chunk is ever dropped.
  let pending: Promise<ReadableStreamReadResult<string>> | undefined;

  async function fill(deadline: number): Promise<void> {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error("timed out waiting for an SSE message");
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("timed out waiting for an SSE message")), left)));
    try {
      pending ??= reader.read();
      const { done, value } = await Promise.race([pending, timeout]);
      pending = undefined;
      if (done) throw new Error("SSE stream ended");
      buffer += value;
    } finally {
      clearTimeout(timer);
    }
    let start = 0;
    let end: number;
    while ((end = buffer.indexOf("\n\n", start)) !== -1) {
      const block = buffer.slice(start, end);
      start = end + 2;
      const message: SseMessage = { event: "message", data: undefined };
      const data: string[] = [];
      for (const line of block.split("\n")) {
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "id") message.id = value;
        else if (field === "event") message.event = value;
        else if (field === "data") data.push(value);
      }
      if (data.length > 0) message.data = JSON.parse(data.join("\n"));
      queue.push(message);
    }
    buffer = buffer.slice(start);
  }

  return {
    response: res,
    async next(timeoutMs = 5_000): Promise<SseMessage> {
      const deadline = Date.now() + timeoutMs;
      while (queue.length === 0) await fill(deadline);
      return queue.shift()!;
    },
    /** Messages up to and including the first that matches. */
    async until(match: (m: SseMessage) => boolean, timeoutMs = 5_000): Promise<SseMessage[]> {
      const deadline = Date.now() + timeoutMs;
      const seen: SseMessage[] = [];
      for (;;) {
        while (queue.length === 0) await fill(deadline);
        const message = queue.shift()!;
        seen.push(message);
        if (match(message)) return seen;
      }
    },
    close(): void {
      controller.abort();
      reader.cancel().catch(() => undefined);
    },
  };
}

export type SseClient = Awaited<ReturnType<typeof openSse>>;
