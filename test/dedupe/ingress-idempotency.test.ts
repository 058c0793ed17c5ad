import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { App } from "../../api/app.ts";
import { FakeClock } from "../helpers/fake-clock.ts";
import { engineHarness } from "../helpers/engine-harness.ts";
import { flow } from "../helpers/flows.ts";
import { appFor, post, type Harness } from "./helpers.ts";

const HOUR = 3_600_000;

describe("webhook ingress idempotency", () => {
  let h: Harness;
  let app: App;
  let clock: FakeClock;

  beforeEach(async () => {
    clock = new FakeClock();
    h = await engineHarness({ fakeClock: clock, engine: { keyPruning: false } });
    app = appFor(h);
  });
  afterEach(async () => h.close());

  async function hookFlow(path: string, config: Record<string, unknown> = {}) {
    return h.engine.flows.create(flow(path, [{ id: "hook", type: "webhook", config: { path, ...config } }, { id: "log", type: "log" }], ["hook->log"]));
  }

  /** Posts, and waits for the run when one was created, so time can move safely afterwards. */
  async function deliver(path: string, headers: Record<string, string>, body: unknown = { n: 1 }) {
    const res = await post(app, path, body, headers);
    if (res.status === 202) await h.finished(res.body.runId);
    return { status: res.status, runId: res.body.runId, replayed: res.headers.get("Idempotent-Replayed") };
  }

  const runCount = async (flowId: string) => (await h.store.listRuns({ flowId, limit: 500 })).runs.length;

  it("answers a repeated Idempotency-Key with the original run, 200 and Idempotent-Replayed, creating no run", async () => {
    const f = await hookFlow("pay");
    const first = await deliver("pay", { "Idempotency-Key": "k1" });
    expect(first).toEqual({ status: 202, runId: expect.stringMatching(/^run_/), replayed: null });
    const repeat = await deliver("pay", { "Idempotency-Key": "k1" }, { n: 2 });
    expect(repeat).toEqual({ status: 200, runId: first.runId, replayed: "true" });
    expect(await runCount(f.id)).toBe(1);
    expect((await deliver("pay", { "Idempotency-Key": "k2" })).status).toBe(202);
    expect((await deliver("pay", {})).status).toBe(202);
    expect((await deliver("pay", {})).status).toBe(202);
    expect(await runCount(f.id)).toBe(4);
  });

  it("creates exactly one run for 20 concurrent deliveries with the same webhook-id", async () => {
    const f = await hookFlow("burst");
    const replies = await Promise.all(Array.from({ length: 20 }, () => post(app, "burst", { n: 1 }, { "webhook-id": "msg_1" })));
    const created = replies.filter((r) => r.status === 202);
    expect(created).toHaveLength(1);
    const original = created[0]!.body.runId;
    for (const r of replies.filter((r) => r.status !== 202)) {
      expect(r.status).toBe(200);
      expect(r.headers.get("Idempotent-Replayed")).toBe("true");
      expect(r.body.runId).toBe(original);
    }
    await h.finished(original);
    expect(await runCount(f.id)).toBe(1);
  });

  it("forgets a delivery id when the 24h window ends, to the millisecond", async () => {
    const f = await hookFlow("daily");
    const first = await deliver("daily", { "Idempotency-Key": "d" });
    await clock.advance(24 * HOUR - 1);
    expect(await deliver("daily", { "Idempotency-Key": "d" })).toEqual({ status: 200, runId: first.runId, replayed: "true" });
    await clock.advance(1);
    const after = await deliver("daily", { "Idempotency-Key": "d" });
    expect(after.status).toBe(202);
    expect(after.runId).not.toBe(first.runId);
    expect(await runCount(f.id)).toBe(2);
  });

  it("honours the trigger's own header and window", async () => {
    const f = await hookFlow("custom", { idempotencyHeader: "X-Delivery", idempotencyWindow: "1h" });
    const first = await deliver("custom", { "x-delivery": "abc" });
    await clock.advance(HOUR - 1);
    expect((await deliver("custom", { "X-Delivery": "abc" })).runId).toBe(first.runId);
    await clock.advance(1);
    expect((await deliver("custom", { "X-Delivery": "abc" })).status).toBe(202);
    expect(await runCount(f.id)).toBe(2);
  });

  it("keeps delivery ids per webhook", async () => {
    await hookFlow("one");
    await hookFlow("two");
    const a = await deliver("one", { "Idempotency-Key": "same" });
    const b = await deliver("two", { "Idempotency-Key": "same" });
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(a.runId).not.toBe(b.runId);
  });
});
