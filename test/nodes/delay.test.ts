import path from "node:path";
import { describe, expect, it } from "vitest";
import { engineHarness } from "../helpers/engine-harness.ts";
import { FakeClock } from "../helpers/fake-clock.ts";
import { flow } from "../helpers/flows.ts";
import { tempDir } from "../helpers/temp-store.ts";
import { until } from "../helpers/wait.ts";
import { cleanupsAfterEach } from "../helpers/cleanups.ts";

const MINUTE = 60_000;
const waitFive = flow(
  "Wait five minutes",
  [{ id: "m", type: "manual" }, { id: "d", type: "delay", config: { duration: "5m" } }, { id: "l", type: "log", config: { message: "done" } }],
  ["m->d", "d->l"],
);

/** Real-time grace for the worker (polling every 50 ms) to notice a run that is not due yet. */
const notDueYet = () => new Promise((resolve) => setTimeout(resolve, 150));

describe("delay node", () => {
  const cleanups = cleanupsAfterEach();

  it("parks the run in the store and resumes it when the fake clock reaches the wake time", async () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const h = await engineHarness({ fakeClock: clock });
    cleanups.push(() => h.close());
    const { runId } = await h.startFlow(waitFive, { order: 1 });
    await until(() => h.engine.worker!.activeCount === 0, "the run to park");
    expect((await h.store.getRun(runId))!.steps).toHaveLength(1);

    await clock.advance(5 * MINUTE - 1);
    await notDueYet();
    expect(h.isFinished(runId)).toBe(false);

    await clock.advance(1);
    await h.finished(runId);
    const run = (await h.store.getRun(runId))!;
    expect(run.status).toBe("succeeded");
    expect(run.steps.map((s) => s.nodeId)).toEqual(["m", "d", "l"]);
    expect(run.steps[1]!.meta).toEqual({ waitedUntil: new Date(t0 + 5 * MINUTE).toISOString() });
    expect(run.steps[2]!.input).toEqual({ order: 1 });
    expect(Date.parse(run.steps[2]!.startedAt)).toBe(t0 + 5 * MINUTE);
  });

  it("survives a restart of the engine on the same SQLite file and still resumes on time", async () => {
    const dir = tempDir();
    cleanups.push(() => dir.remove());
    const filename = path.join(dir.dir, "runnel.db");
    const clock = new FakeClock();
    const t0 = clock.now();

    const first = await engineHarness({ fakeClock: clock, filename });
    const { runId } = await first.startFlow(waitFive, { order: 2 });
    await until(() => first.engine.worker!.activeCount === 0, "the run to park");
    await first.close();

    await clock.advance(4 * MINUTE);
    const second = await engineHarness({ fakeClock: clock, filename });
    cleanups.push(() => second.close());
    await notDueYet();
    expect((await second.store.getRun(runId))!.status).toBe("running");
    expect(second.isFinished(runId)).toBe(false);

    await clock.advance(MINUTE);
    await second.finished(runId);
    const run = (await second.store.getRun(runId))!;
    expect(run.status).toBe("succeeded");
    expect(run.steps.map((s) => s.nodeId)).toEqual(["m", "d", "l"]);
    expect(Date.parse(run.steps[1]!.finishedAt)).toBe(t0 + 5 * MINUTE);
  });

  it("lets a parallel branch go on while another waits", async () => {
    const h = await engineHarness({ fakeClock: true });
    cleanups.push(() => h.close());
    const both = flow(
      "Fork",
      [{ id: "m", type: "manual" }, { id: "d", type: "delay", config: { duration: "1h" } }, { id: "now", type: "log" }, { id: "later", type: "log" }],
      ["m->d", "d->later", "m->now"],
    );
    const { runId } = await h.startFlow(both, {});
    await until(() => h.engine.worker!.activeCount === 0, "the run to park");
    expect((await h.store.getRun(runId))!.steps.map((s) => s.nodeId)).toEqual(["m", "now"]);
    await h.clock!.advance(60 * MINUTE);
    await h.finished(runId);
    // Steps are listed by their seq, reserved when scheduled: the delay (2) before the other branch (3).
    expect((await h.store.getRun(runId))!.steps.map((s) => s.nodeId)).toEqual(["m", "d", "now", "later"]);
  });
});
