import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Store } from "../../engine/index.ts";
import { engineHarness } from "../helpers/engine-harness.ts";
import { FakeClock } from "../helpers/fake-clock.ts";
import { flow } from "../helpers/flows.ts";
import { tempDir } from "../helpers/temp-store.ts";
import { until } from "../helpers/wait.ts";
import { cleanupsAfterEach } from "../helpers/cleanups.ts";

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1); // the FakeClock's start: 2026-01-01T00:00:00Z
const at = (hours: number, minutes = 0) => T0 + hours * HOUR + minutes * 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

const hourly = (active = true) =>
  flow("Hourly", [{ id: "s", type: "schedule", config: { cron: "0 * * * *" } }, { id: "l", type: "log" }], ["s->l"], active);

async function messages(store: Store, flowId: string): Promise<unknown[]> {
  const { runs } = await store.listRuns({ flowId, limit: 100 });
  return Promise.all(runs.reverse().map((r) => store.getRunMessage(r.id)));
}

async function firedCount(store: Store, flowId: string): Promise<number> {
  return (await store.listRuns({ flowId, limit: 100 })).runs.length;
}

describe("schedule node and trigger", () => {
  const cleanups = cleanupsAfterEach();

  it("fires { firedAt, scheduledFor } on each tick of the fake clock, and the runs complete", async () => {
    const h = await engineHarness({ fakeClock: true });
    cleanups.push(() => h.close());
    const clock = h.clock!;
    const saved = await h.engine.flows.create(hourly());
    await until(() => clock.nextWakeAt() === at(1), "the schedule to sleep until 01:00");

    await clock.advance(HOUR);
    await until(async () => (await firedCount(h.store, saved.id)) === 1, "the 01:00 fire");
    await until(() => clock.nextWakeAt() === at(2), "the schedule to sleep until 02:00");
    await clock.advance(HOUR);
    await until(async () => (await firedCount(h.store, saved.id)) === 2, "the 02:00 fire");

    expect(await messages(h.store, saved.id)).toEqual([
      { firedAt: iso(at(1)), scheduledFor: iso(at(1)) },
      { firedAt: iso(at(2)), scheduledFor: iso(at(2)) },
    ]);
    const { runs } = await h.store.listRuns({ flowId: saved.id, limit: 10 });
    await Promise.all(runs.map((r) => h.finished(r.id)));
    const run = (await h.store.getRun(runs[0]!.id))!;
    expect(run).toMatchObject({ status: "succeeded", triggerType: "schedule" });
    expect(run.steps.map((s) => s.nodeId)).toEqual(["s", "l"]);
  });

  it("reads the cron expression in its time zone", async () => {
    const h = await engineHarness({ fakeClock: true });
    cleanups.push(() => h.close());
    const nineInBerlin = flow("Berlin", [{ id: "s", type: "schedule", config: { cron: "0 9 * * *", timezone: "Europe/Berlin" } }], []);
    const saved = await h.engine.flows.create(nineInBerlin);
    // 09:00 in Berlin in January is 08:00 UTC.
    await until(() => h.clock!.nextWakeAt() === at(1), "the first hourly chunk of the sleep");
    await h.clock!.advance(8 * HOUR);
    await until(async () => (await firedCount(h.store, saved.id)) === 1, "the 09:00 Berlin fire");
    expect(await messages(h.store, saved.id)).toEqual([{ firedAt: iso(at(8)), scheduledFor: iso(at(8)) }]);
  });

  it("fires a tick once across a restart, and once (not per missed tick) after downtime", async () => {
    const dir = tempDir();
    cleanups.push(() => dir.remove());
    const filename = path.join(dir.dir, "runnel.db");
    const clock = new FakeClock();

    const first = await engineHarness({ fakeClock: clock, filename });
    const saved = await first.engine.flows.create(hourly());
    await until(() => clock.nextWakeAt() === at(1), "the schedule to sleep until 01:00");
    await clock.advance(HOUR);
    await until(async () => (await firedCount(first.store, saved.id)) === 1, "the 01:00 fire");
    await first.close();

    // Restart within the same hour: 01:00 already fired, so nothing fires now.
    await clock.advance(30_000);
    const second = await engineHarness({ fakeClock: clock, filename });
    await until(() => clock.nextWakeAt() === at(2), "the restarted schedule to sleep until 02:00");
    expect(await firedCount(second.store, saved.id)).toBe(1);
    await second.close();

    // Down from 01:00:30 to 05:30: 02:00, 03:00, 04:00 and 05:00 were missed; only 05:00 fires.
    await clock.advance(at(5, 30) - clock.now());
    const third = await engineHarness({ fakeClock: clock, filename });
    cleanups.push(() => third.close());
    await until(async () => (await firedCount(third.store, saved.id)) === 2, "the recovery fire");
    await until(() => clock.nextWakeAt() === at(6), "the schedule to sleep until 06:00");
    await clock.advance(30 * 60_000);
    await until(async () => (await firedCount(third.store, saved.id)) === 3, "the 06:00 fire");

    expect(await messages(third.store, saved.id)).toEqual([
      { firedAt: iso(at(1)), scheduledFor: iso(at(1)) },
      { firedAt: iso(at(5, 30)), scheduledFor: iso(at(5)) },
      { firedAt: iso(at(6)), scheduledFor: iso(at(6)) },
    ]);
  });

  it("fires once when two engines share the store (a tick is recorded before its run)", async () => {
    const dir = tempDir();
    cleanups.push(() => dir.remove());
    const filename = path.join(dir.dir, "runnel.db");
    const clock = new FakeClock();
    const a = await engineHarness({ fakeClock: clock, filename });
    cleanups.push(() => a.close());
    const saved = await a.engine.flows.create(hourly());
    const b = await engineHarness({ fakeClock: clock, filename });
    cleanups.push(() => b.close());
    expect(b.engine.triggers!.armedCount).toBe(1);
    await until(() => clock.pendingSleepers >= 2, "both schedules to sleep");

    await clock.advance(HOUR);
    await until(async () => (await firedCount(a.store, saved.id)) >= 1, "the 01:00 fire");
    await until(() => clock.pendingSleepers >= 2 && clock.nextWakeAt() === at(2), "both schedules to sleep until 02:00");
    expect(await firedCount(a.store, saved.id)).toBe(1);
  });

  it("does not replay ticks from before the flow was activated, and disarms on deactivate, delete and stop", async () => {
    const h = await engineHarness({ fakeClock: true });
    const clock = h.clock!;
    const inactive = await h.engine.flows.create(hourly(false));
    expect(h.engine.triggers!.armedCount).toBe(0);
    await clock.advance(3 * HOUR + 30_000);

    const active = await h.engine.flows.update(inactive.id, hourly(true), 1);
    expect(h.engine.triggers!.armedCount).toBe(1);
    await until(() => clock.nextWakeAt() === at(4), "the schedule to sleep until 04:00");
    expect(await firedCount(h.store, inactive.id)).toBe(0);

    await h.engine.flows.update(inactive.id, hourly(false), active.version);
    expect(h.engine.triggers!.armedCount).toBe(0);
    await clock.advance(HOUR);
    expect(await firedCount(h.store, inactive.id)).toBe(0);

    const other = await h.engine.flows.create(hourly());
    expect(h.engine.triggers!.armedCount).toBe(1);
    await h.engine.flows.remove(other.id);
    expect(h.engine.triggers!.armedCount).toBe(0);

    await h.engine.flows.create(hourly());
    await h.close();
    expect(h.engine.triggers!.armedCount).toBe(0);
    expect(clock.pendingSleepers).toBe(0);
  });

  it("refuses a cron expression or time zone it cannot read, naming the field", async () => {
    const h = await engineHarness({ fakeClock: true });
    cleanups.push(() => h.close());
    const bad = flow("Bad", [{ id: "s", type: "schedule", config: { cron: "every monday", timezone: "Mars/Olympus" } }], []);
    const error = await h.engine.flows.create(bad).catch((e) => e);
    expect(error.code).toBe("INVALID_FLOW");
    const fields = (error.details.problems as { field: string }[]).map((p) => p.field).sort();
    expect(fields).toEqual(["config.cron", "config.timezone"]);
    const never = flow("Never", [{ id: "s", type: "schedule", config: { cron: "0 0 30 2 *" } }], []);
    expect((await h.engine.flows.create(never).catch((e) => e)).details.problems[0].message).toBe("this cron expression never fires");
  });
});
