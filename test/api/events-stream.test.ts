import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EngineEvent } from "../../engine/index.ts";
import { startAppServer, type AppServer } from "../helpers/app-server.ts";
import { flow } from "../helpers/flows.ts";
import { openSse, type SseMessage } from "../helpers/sse.ts";

type Data = EngineEvent & { missed?: number | null; refetch?: boolean };

let server: AppServer;
let flowA: string;
let flowB: string;

beforeAll(async () => {
  // A small ring, so resuming past it is quick to provoke.
  server = await startAppServer({ eventStream: { capacity: 12 } });
  const create = async (name: string) =>
    (await server.api<{ id: string }>("POST", "/api/flows", flow(name, [{ id: "m", type: "manual" }, { id: "l", type: "log" }], ["m->l"]))).body.id;
  flowA = await create("A");
  flowB = await create("B");
});
afterAll(async () => server?.close());

async function run(flowId: string): Promise<string> {
  const { body } = await server.api<{ runId: string }>("POST", `/api/flows/${flowId}/run`, {});
  await server.finished(body.runId);
  return body.runId;
}

const finishedOf = (runId: string) => (m: SseMessage) => m.event === "run.finished" && (m.data as Data).runId === runId;
const lifecycle = (messages: SseMessage[], runId: string) => messages.filter((m) => (m.data as Data)?.runId === runId).map((m) => m.event);

describe("GET /api/events", () => {
  it("streams each run's lifecycle with increasing ids, for all flows or one", async () => {
    const all = await openSse(`${server.url}/api/events`);
    const onlyB = await openSse(`${server.url}/api/events?flowId=${flowB}`);
    try {
      expect(all.response.headers.get("content-type")).toContain("text/event-stream");
      expect((await all.next()).event).toBe("ready");
      expect(await onlyB.next()).toMatchObject({ event: "ready", data: { flowId: flowB } });
      const runA = await run(flowA);
      const runB = await run(flowB);
      const seen = await all.until(finishedOf(runB));
      expect(lifecycle(seen, runA)).toEqual(["run.queued", "run.started", "step.finished", "run.finished"]);
      expect(lifecycle(seen, runB)).toEqual(["run.queued", "run.started", "step.finished", "run.finished"]);
      const ids = seen.map((m) => Number(m.id));
      expect(ids.every((id, i) => i === 0 || id === ids[i - 1]! + 1)).toBe(true);
      expect(seen.at(-1)!.data).toMatchObject({ runId: runB, flowId: flowB, status: "succeeded" });
      const step = seen.find((m) => m.event === "step.finished")!.data;
      expect(step).toMatchObject({ runId: runA, flowId: flowA, nodeId: "l", nodeType: "log", seq: 2, status: "succeeded" });

      const filtered = await onlyB.until(finishedOf(runB));
      expect(filtered.every((m) => (m.data as Data).flowId === flowB)).toBe(true);
      expect(lifecycle(filtered, runB)).toHaveLength(4);
    } finally {
      all.close();
      onlyB.close();
    }
  });

  it("resumes after a disconnect with Last-Event-ID, without gaps or repeats", async () => {
    const first = await openSse(`${server.url}/api/events`);
    const runBefore = await run(flowA);
    const seen = await first.until(finishedOf(runBefore));
    const lastId = seen.at(-1)!.id!;
    first.close();

    const missedWhileAway = [await run(flowA), await run(flowB)];
    const resumes: { headers: Record<string, string>; query: string }[] = [
      { headers: { "Last-Event-ID": lastId }, query: "" },
      { headers: {}, query: `?lastEventId=${lastId}` },
    ];
    for (const resume of resumes) {
      const again = await openSse(`${server.url}/api/events${resume.query}`, resume.headers);
      try {
        expect(await again.next()).toMatchObject({ event: "ready", id: lastId });
        const replayed = await again.until(finishedOf(missedWhileAway[1]!));
        expect(replayed.map((m) => Number(m.id))).toEqual(replayed.map((_, i) => Number(lastId) + 1 + i));
        expect(replayed.some((m) => (m.data as Data).runId === runBefore)).toBe(false);
        for (const runId of missedWhileAway) expect(lifecycle(replayed, runId)).toEqual(["run.queued", "run.started", "step.finished", "run.finished"]);
      } finally {
        again.close();
      }
    }
  });

  it("tells a client that resumes from further back than the ring reaches to refetch, then goes on live", async () => {
    const first = await openSse(`${server.url}/api/events`);
    const lastId = (await first.next()).id!;
    first.close();
    for (let i = 0; i < 4; i++) await run(flowA); // 16 events: more than the ring keeps

    const again = await openSse(`${server.url}/api/events`, { "Last-Event-ID": lastId });
    try {
      expect((await again.next()).event).toBe("ready");
      const marker = await again.next();
      expect(marker).toMatchObject({ event: "missed", data: { missed: 16, refetch: true } });
      expect(Number(marker.id)).toBe(Number(lastId) + 16);
      const live = await run(flowB);
      expect(lifecycle(await again.until(finishedOf(live)), live)).toHaveLength(4);
    } finally {
      again.close();
    }
    // An id this server never issued (another process, a restart): unknown gap, refetch.
    const stranger = await openSse(`${server.url}/api/events`, { "Last-Event-ID": "42" });
    try {
      expect((await stranger.next()).event).toBe("ready");
      expect(await stranger.next()).toMatchObject({ event: "missed", data: { missed: null, refetch: true } });
    } finally {
      stranger.close();
    }
  });
});

describe("GET /api/events with a client that stops reading", () => {
  let big: AppServer;
  beforeAll(async () => {
    big = await startAppServer({ eventStream: { capacity: 5_000 } });
  });
  afterAll(async () => big?.close());

  it("sends it a missed-N marker instead of buffering, while a reading client gets everything", async () => {
    const reader = await openSse(`${big.url}/api/events`);
    const stalled = await openSse(`${big.url}/api/events`);
    expect((await reader.next()).event).toBe("ready");
    expect((await stalled.next()).event).toBe("ready");
    const total = 100_000;
    let received = 0;
    for (let sent = 0; sent < total; ) {
      for (let i = 0; i < 1_000; i++, sent++) {
        big.engine.events.emit({ type: "run.queued", runId: `run_synthetic_${sent}`, flowId: "flw_load", status: "queued" });
      }
      // The reading client drains as it goes; the stalled one never reads in this loop.
      const last = `run_synthetic_${sent - 1}`;
      received += (await reader.until((m) => (m.data as Data).runId === last, 10_000)).length;
    }
    expect(received).toBe(total);

    // When it reads again, it gets what the sockets held, then the marker (it skips to now)…
    const late = await stalled.until((m) => m.event === "missed", 10_000);
    const skipped = (late.at(-1)!.data as Data).missed!;
    const delivered = late.filter((m) => m.event === "run.queued").length;
    // …and what it got plus what it was told it missed is everything: nothing is lost silently.
    expect(delivered + skipped).toBe(total);
    expect(skipped).toBeGreaterThan(0);
    // Then it is live again.
    big.engine.events.emit({ type: "run.finished", runId: "run_after", flowId: "flw_load", status: "succeeded" });
    expect(await stalled.next()).toMatchObject({ event: "run.finished", data: { runId: "run_after" } });
    reader.close();
    stalled.close();
  });
});
