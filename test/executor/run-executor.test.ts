import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { newId } from "../../engine/ids.ts";
import { Catalog, builtinNodes, defineNode } from "../../engine/nodes/index.ts";
import { initialFrontier } from "../../engine/runtime/run-service.ts";
import { engineHarness } from "../helpers/engine-harness.ts";
import { flow } from "../helpers/flows.ts";
import { until } from "../helpers/wait.ts";

const chain = flow(
  "chain",
  [
    { id: "m", type: "manual" },
    { id: "a", type: "transform", config: { expression: '{ "a": body.n + 1 }' } },
    { id: "b", type: "transform", config: { expression: '{ "b": a * 10 }' } },
  ],
  ["m->a", "a->b"],
);

describe("run executor", () => {
  let h: Awaited<ReturnType<typeof engineHarness>>;
  afterEach(() => h.close());

  it("journals every step with input, outputs per port, attempts and timings", async () => {
    h = await engineHarness();
    const run = await h.runFlow(chain, { body: { n: 1 } });
    expect(run.status).toBe("succeeded");
    expect(run.steps.map((s) => [s.seq, s.nodeId, s.status, s.attempts])).toEqual([
      [1, "m", "succeeded", 1],
      [2, "a", "succeeded", 1],
      [3, "b", "succeeded", 1],
    ]);
    expect(run.steps[2]).toMatchObject({ input: { a: 2 }, outputs: { out: [{ b: 20 }] } });
    for (const step of run.steps) expect(Date.parse(step.finishedAt)).toBeGreaterThanOrEqual(Date.parse(step.startedAt));
    expect(h.events.filter((e) => e.runId === run.id).map((e) => e.type)).toEqual([
      "run.queued",
      "run.started",
      "step.finished",
      "step.finished",
      "run.finished",
    ]);
  });

  it("resumes a crashed run from its journal without re-running finished steps", async () => {
    h = await engineHarness();
    const saved = await h.engine.flows.create(chain);
    const now = Date.now();
    const runId = newId("run", now);
    // A worker that died after journaling step `a` with an output `a` could never produce.
    await h.store.enqueueRun({
      id: runId,
      flowId: saved.id,
      flowVersion: saved.version,
      triggerNodeId: "m",
      triggerType: "manual",
      message: { body: { n: 1 } },
      frontier: initialFrontier(saved, "m"),
      now,
      leaseTo: { owner: "dead-worker", until: now + 150 },
    });
    await h.store.commitStep({
      runId,
      owner: "dead-worker",
      nextSeq: 4,
      frontier: [{ seq: 3, nodeId: "b", from: { seq: 2, port: "out", index: 0 }, execution: 1 }],
      steps: [{ seq: 2, nodeId: "a", nodeType: "transform", status: "succeeded", inputRef: { seq: 1, port: "out", index: 0 }, outputs: { out: [{ a: 99 }] }, attempts: 1, startedAt: now, finishedAt: now }],
    });
    await h.finished(runId);
    const run = (await h.store.getRun(runId))!;
    expect(run.status).toBe("succeeded");
    expect(run.steps.map((s) => s.nodeId)).toEqual(["m", "a", "b"]);
    expect(run.steps[1]!.outputs).toEqual({ out: [{ a: 99 }] });
    expect(run.steps[2]!.outputs).toEqual({ out: [{ b: 990 }] });
  });

  it("runs each run on the flow version it started on", async () => {
    h = await engineHarness();
    const v1 = await h.engine.flows.create(chain);
    const now = Date.now();
    const runId = newId("run", now);
    const v2 = await h.engine.flows.update(
      v1.id,
      { ...chain, nodes: chain.nodes.map((n) => (n.id === "b" ? { ...n, config: { expression: '"v2"' } } : n)) },
      1,
    );
    expect(v2.version).toBe(2);
    await h.store.enqueueRun({ id: runId, flowId: v1.id, flowVersion: 1, triggerNodeId: "m", triggerType: "manual", message: { body: { n: 1 } }, frontier: initialFrontier(v1, "m"), now });
    h.engine.worker!.wake();
    await h.finished(runId);
    const run = (await h.store.getRun(runId))!;
    expect(run.flowVersion).toBe(1);
    expect(run.steps[2]!.outputs).toEqual({ out: [{ b: 20 }] });
  });

  it("delivers a copy to every edge of a port and gives each execution its own number", async () => {
    h = await engineHarness();
    const fan = flow(
      "fan",
      [
        { id: "m", type: "manual" },
        { id: "x", type: "log" },
        { id: "y", type: "log" },
        { id: "z", type: "transform", config: { expression: "$" } },
      ],
      ["m->x", "m->y", "x->z", "y->z"],
    );
    const run = await h.runFlow(fan, { body: 1 });
    expect(run.steps.map((s) => s.nodeId)).toEqual(["m", "x", "y", "z", "z"]);
    const claimed = await h.store.getJournal(run.id);
    expect(claimed.filter((s) => s.nodeId === "z").map((s) => s.inputRef?.seq)).toEqual([2, 3]);
  });

  it("stores a message that filter and dedupe pass on once, and shows it in full at every step", async () => {
    h = await engineHarness();
    const passOn = flow(
      "pass on",
      [
        { id: "m", type: "manual" },
        { id: "f", type: "filter", config: { condition: "body.n > 0" } },
        { id: "d", type: "dedupe", config: { key: "body.id" } },
        { id: "t", type: "transform", config: { expression: '{ "n": body.n }' } },
      ],
      ["m->f", "f->d", "d->t"],
    );
    const message = { body: { id: "only-once-7f3a", n: 1 } };
    const run = await h.runFlow(passOn, message);
    expect(run.steps.map((s) => s.outputs)).toEqual([{ out: [message] }, { out: [message] }, { out: [message] }, { out: [{ n: 1 }] }]);
    expect(run.steps[3]?.input).toEqual(message);
    const db = (h.store as import("../../engine/index.ts").SqliteStore).db;
    const stored = db.prepare("SELECT group_concat(outputs, '') FROM run_steps WHERE run_id = ?").pluck().get(run.id) as string;
    expect(stored.split("only-once-7f3a").length - 1).toBe(1);
  });

  it("stops a run that exceeds the step limit instead of looping forever", async () => {
    const { createEngine } = await import("../../engine/index.ts");
    h = await engineHarness();
    const limited = createEngine({ store: h.store, maxStepsPerRun: 3, worker: { pollMs: 50 } });
    await limited.start();
    await h.engine.stop(100);
    const saved = await limited.flows.create(
      flow("many", [{ id: "m", type: "manual" }, { id: "a", type: "log" }, { id: "b", type: "log" }, { id: "c", type: "log" }], ["m->a", "a->b", "b->c"]),
    );
    // Listening first: the run may finish before startManual returns (one commit holds it all).
    const finished: string[] = [];
    limited.events.on((e) => void (e.type === "run.finished" && finished.push(e.runId)));
    const runId = await limited.runs.startManual(saved.id, {});
    await until(() => finished.includes(runId), "the run to finish");
    const run = (await h.store.getRun(runId))!;
    expect(run.status).toBe("failed");
    expect(run.error?.code).toBe("RUN_STEP_LIMIT");
    await limited.stop(100);
  });

  it("journals every earlier step before a node with side effects runs", async () => {
    const seenInStore: number[][] = [];
    let store: import("../../engine/index.ts").Store | undefined;
    const effect = defineNode({
      type: "test-effect",
      category: "action",
      title: "Effect (test)",
      description: "records what the journal holds when it runs",
      icon: "send",
      outputs: ["out"],
      config: z.object({}),
      run: async (ctx, msg) => {
        seenInStore.push((await store!.getJournal(ctx.runId)).map((s) => s.seq));
        return { out: [msg] };
      },
    });
    h = await engineHarness({ catalog: new Catalog([...builtinNodes, effect]) });
    store = h.store;
    const run = await h.runFlow(
      flow(
        "barrier",
        [
          { id: "m", type: "manual" },
          { id: "a", type: "transform", config: { expression: "$" } },
          { id: "b", type: "filter", config: { condition: "true" } },
          { id: "x", type: "test-effect" },
          { id: "c", type: "transform", config: { expression: "$" } },
          { id: "y", type: "test-effect" },
        ],
        ["m->a", "a->b", "b->x", "x->c", "c->y"],
      ),
      { body: 1 },
    );
    expect(run.status).toBe("succeeded");
    expect(seenInStore).toEqual([
      [1, 2, 3],
      [1, 2, 3, 4, 5],
    ]);
    expect(run.steps.map((s) => s.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
