import { afterEach, describe, expect, it } from "vitest";
import type { FrontierItem, StepRecord } from "../../engine/index.ts";
import { newId } from "../../engine/ids.ts";
import type { FlowDocument } from "../../engine/model/index.ts";
import { engineHarness } from "../helpers/engine-harness.ts";
import { flow } from "../helpers/flows.ts";
import { probeCatalog } from "../helpers/probe-node.ts";

type Harness = Awaited<ReturnType<typeof engineHarness>>;

const chain = flow(
  "Chain",
  [
    { id: "m", type: "manual" },
    { id: "a", type: "probe" },
    { id: "b", type: "probe" },
    { id: "c", type: "probe" },
  ],
  ["m->a", "a->b", "b->c"],
);

const step = (seq: number, nodeId: string, outputs: StepRecord["outputs"], from = seq - 1): StepRecord => ({
  seq,
  nodeId,
  nodeType: "probe",
  status: "succeeded",
  inputRef: { seq: from, port: "out", index: 0 },
  outputs,
  attempts: 1,
  startedAt: 0,
  finishedAt: 0,
});

const item = (seq: number, nodeId: string, fromSeq: number, execution = 1): FrontierItem => ({
  seq,
  nodeId,
  from: { seq: fromSeq, port: "out", index: 0 },
  execution,
});

describe("resume from the journal", () => {
  let h: Harness;
  let probes: ReturnType<typeof probeCatalog>;
  let saved: FlowDocument;

  async function setup() {
    probes = probeCatalog();
    h = await engineHarness({ fakeClock: true, engine: { catalog: probes.catalog, retention: false } });
    saved = await h.engine.flows.create(chain);
  }
  afterEach(async () => h?.close());

  /** Seeds a run as a crashed worker left it: journal, frontier, and a lease held by the dead. */
  async function seedCrashedRun(steps: StepRecord[], frontier: FrontierItem[], leaseLeftMs = -1) {
    const now = h.clock!.now();
    const id = newId("run", now);
    await h.store.enqueueRun({
      id,
      flowId: saved.id,
      flowVersion: saved.version,
      triggerNodeId: "m",
      triggerType: "manual",
      message: { order: 7 },
      frontier,
      now,
      seedSteps: steps,
      leaseTo: { owner: "wkr_dead", until: now + leaseLeftMs },
    });
    return id;
  }

  it("never runs a journaled step again and feeds its journaled output downstream", async () => {
    await setup();
    const runId = await seedCrashedRun([step(2, "a", { out: [{ fromA: "journaled" }] })], [item(3, "b", 2)]);
    h.engine.worker!.wake();
    expect((await h.finished(runId)).status).toBe("succeeded");
    expect(probes.ran("a")).toEqual([]);
    expect(probes.ran("b").map((c) => c.input)).toEqual([{ fromA: "journaled" }]);
    expect(probes.ran("c")).toHaveLength(1);
    const run = (await h.store.getRun(runId))!;
    expect(run.steps.map((s) => [s.seq, s.nodeId])).toEqual([[1, "m"], [2, "a"], [3, "b"], [4, "c"]]);
  });

  it("repeats only the step in flight, with the execution number (Idempotency-Key) it was scheduled with", async () => {
    await setup();
    // b had run once (seq 3) and was in flight for its second execution (seq 5) when the worker died.
    const runId = await seedCrashedRun(
      [step(2, "a", { out: [{ n: 1 }] }), step(3, "b", { out: [{ n: 2 }] }), step(4, "c", { out: [{ n: 3 }] })],
      [item(5, "b", 2, 2)],
    );
    h.engine.worker!.wake();
    await h.finished(runId);
    expect(probes.calls.map((c) => c.key)).toEqual([`${runId}:b:2`, `${runId}:c:2`]);
  });

  it("leaves a run alone while its lease is live and resumes it once the lease expires", async () => {
    await setup();
    const runId = await seedCrashedRun([], [item(2, "a", 1)], 5_000);
    h.engine.worker!.wake();
    await new Promise((resolve) => setTimeout(resolve, 200)); // several polls
    expect(probes.calls).toEqual([]);
    expect((await h.store.getRun(runId))!.status).toBe("running");
    await h.clock!.advance(5_001);
    expect((await h.finished(runId)).status).toBe("succeeded");
    expect(probes.calls.map((c) => c.nodeId)).toEqual(["a", "b", "c"]);
  });

  it("resumes from the full output of a step whose log entry was truncated, then drops it", async () => {
    await setup();
    const full = { blob: "y".repeat(300_000) };
    const marker = { $truncated: true, bytes: 300_012, preview: '{"blob":"yyy' };
    const runId = await seedCrashedRun([{ ...step(2, "a", { out: [marker as never] }), payload: { out: [full] } }], [item(3, "b", 2)]);
    h.engine.worker!.wake();
    await h.finished(runId);
    expect(probes.ran("b")[0]!.input).toEqual(full);
    const journal = await h.store.getJournal(runId);
    expect(journal.find((s) => s.seq === 2)).toMatchObject({ outputs: { out: [marker] } });
    expect(journal.every((s) => s.payload === undefined)).toBe(true);
  });
});
