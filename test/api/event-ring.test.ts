import { describe, expect, it } from "vitest";
import { EventRing } from "../../api/event-ring.ts";
import type { EngineEvent } from "../../engine/index.ts";

const events: EngineEvent[] = [
  { type: "run.queued", runId: "run_1", flowId: "flw_a", status: "queued" },
  { type: "run.started", runId: "run_1", flowId: "flw_a", status: "running" },
  { type: "step.finished", runId: "run_1", flowId: "flw_a", status: "succeeded", seq: 2, nodeId: "filter", nodeType: "filter" },
  { type: "run.finished", runId: "run_1", flowId: "flw_a", status: "failed", error: { code: "STEP_FAILED", message: "boom" } },
  { type: "run.finished", runId: "run_2", flowId: "flw_b", status: "succeeded" },
];

describe("event ring", () => {
  it("gives back each event as emitted, in an SSE frame with its id, type and time", () => {
    const ring = new EventRing({ firstId: 100 });
    const before = Date.now();
    for (const event of events) ring.append(event);
    expect(ring.lastId).toBe(104);
    events.forEach((event, i) => {
      expect(ring.event(100 + i)).toEqual(event);
      const [idLine, typeLine, dataLine] = ring.frame(100 + i)!.split("\n");
      expect(idLine).toBe(`id: ${100 + i}`);
      expect(typeLine).toBe(`event: ${event.type}`);
      const data = JSON.parse(dataLine!.slice("data: ".length));
      expect(data).toEqual({ ...event, at: data.at });
      expect(data.at).toBeGreaterThanOrEqual(before);
    });
    expect(ring.flowIdOf(104)).toBe("flw_b");
  });

  it("forgets the oldest events past its capacity, and never mistakes a reused slot for them", () => {
    const ring = new EventRing({ firstId: 1, capacity: 3 });
    for (const event of events) ring.append(event);
    expect(ring.oldestId).toBe(3);
    expect(ring.event(1)).toBeUndefined();
    expect(ring.frame(2)).toBeUndefined();
    expect(ring.flowIdOf(2)).toBeUndefined();
    expect(ring.event(5)).toEqual(events[4]);
    // A slot's cached frame belongs to the event that filled it, not to the one before.
    expect(ring.frame(3)).toContain('"seq":2');
    ring.append(events[0]!);
    expect(ring.frame(6)).toContain("run.queued");
    expect(ring.frame(6)).not.toContain('"seq"');
  });
});
