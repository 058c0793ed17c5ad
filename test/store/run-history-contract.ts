import { expect, it } from "vitest";
import type { FrontierItem, NewRun, RunQuery, Store } from "../../engine/index.ts";
import type { Run } from "../../engine/model/index.ts";
import { newId } from "../../engine/ids.ts";
import { flow } from "../helpers/flows.ts";

const T0 = Date.UTC(2026, 0, 1);
const sample = flow("History sample", [{ id: "w", type: "webhook", config: { path: "h" } }, { id: "l", type: "log" }], ["w->l"]);

function newRun(flowId: string, overrides: Partial<NewRun> = {}): NewRun {
  const frontier: FrontierItem[] = [{ seq: 2, nodeId: "l", from: { seq: 1, port: "out", index: 0 }, execution: 1 }];
  const now = overrides.now ?? T0;
  return { id: newId("run", now), flowId, flowVersion: 1, triggerNodeId: "w", triggerType: "webhook", message: {}, frontier, now, ...overrides };
}

/** Follows nextCursor to the end and returns every run id in the order served. */
async function allPages(store: Store, query: Omit<RunQuery, "cursor">): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await store.listRuns({ ...query, cursor });
    expect(page.runs.length).toBeLessThanOrEqual(query.limit);
    ids.push(...page.runs.map((r: Run) => r.id));
    if (page.nextCursor === null) return ids;
    cursor = page.nextCursor;
  }
  throw new Error("more than 100 pages");
}

/** Run history (listing filters, pagination, counts) every Store backend must have (called from storeContract). */
export function runHistoryContract(getStore: () => Store) {
  it("filters runs by flow, status, trigger type, time range and trigger-message text", async () => {
    const store = getStore();
    const a = await store.createFlow(sample, T0);
    const b = await store.createFlow(sample, T0);
    const enqueue = async (overrides: Partial<NewRun>) => (await store.enqueueRun(newRun(overrides.flowId ?? a.id, overrides))).runId;
    const r1 = await enqueue({ now: T0 + 1_000, message: { body: { user: "Alice@Example.com", note: "100% sure" } } });
    const r2 = await enqueue({ now: T0 + 2_000, flowId: b.id, triggerType: "manual", triggerNodeId: "m", message: { user: "bob" } });
    const r3 = await enqueue({ now: T0 + 3_000, message: { body: { user: "carol", note: "a_b" } } });
    expect(await store.cancelRun(r3, T0 + 3_500)).toBe("canceled");
    const ids = async (query: Partial<RunQuery>) => (await store.listRuns({ limit: 10, ...query })).runs.map((r) => r.id);

    expect(await ids({})).toEqual([r3, r2, r1]);
    expect(await ids({ flowId: a.id })).toEqual([r3, r1]);
    expect(await ids({ flowId: b.id })).toEqual([r2]);
    expect(await ids({ status: "canceled" })).toEqual([r3]);
    expect(await ids({ status: "queued", flowId: a.id })).toEqual([r1]);
    expect(await ids({ triggerType: "manual" })).toEqual([r2]);
    expect(await ids({ triggerType: "schedule" })).toEqual([]);
    // since is inclusive, until exclusive.
    expect(await ids({ since: T0 + 2_000 })).toEqual([r3, r2]);
    expect(await ids({ until: T0 + 2_000 })).toEqual([r1]);
    expect(await ids({ since: T0 + 1_000, until: T0 + 3_000 })).toEqual([r2, r1]);
    // Text: a case-insensitive substring of the trigger message; % and _ are plain characters.
    expect(await ids({ text: "alice@example" })).toEqual([r1]);
    expect(await ids({ text: "BOB" })).toEqual([r2]);
    expect(await ids({ text: "100%" })).toEqual([r1]);
    expect(await ids({ text: "a_b" })).toEqual([r3]);
    expect(await ids({ text: "a%b" })).toEqual([]);
    expect(await ids({ text: "nobody" })).toEqual([]);
    expect(await ids({ text: "carol", flowId: b.id })).toEqual([]);
    const [listed] = (await store.listRuns({ limit: 1, flowId: b.id })).runs;
    expect(listed).toMatchObject({ id: r2, flowId: b.id, flowName: "History sample", status: "queued", triggerType: "manual", triggerNodeId: "m" });
    expect(listed?.createdAt).toBe(new Date(T0 + 2_000).toISOString());
  });

  it("orders by creation time, newest first, even when ids were made in another order", async () => {
    const store = getStore();
    const f = await store.createFlow(sample, T0);
    // An id chosen ahead of time (a webhook reply waiter) can be older than a run created before it.
    const early = newId("run", T0 + 10);
    const late = (await store.enqueueRun(newRun(f.id, { now: T0 + 20 }))).runId;
    await store.enqueueRun(newRun(f.id, { id: early, now: T0 + 30 }));
    expect((await store.listRuns({ limit: 10 })).runs.map((r) => r.id)).toEqual([early, late]);
    expect(await allPages(store, { limit: 1 })).toEqual([early, late]);
  });

  it("keeps filtered cursor pages exact while new runs arrive between fetches", async () => {
    const store = getStore();
    const f = await store.createFlow(sample, T0);
    const other = await store.createFlow(sample, T0);
    const mine: string[] = [];
    for (let i = 0; i < 9; i++) {
      mine.push((await store.enqueueRun(newRun(f.id, { now: T0 + i * 10 }))).runId);
      await store.enqueueRun(newRun(other.id, { now: T0 + i * 10 + 5 }));
    }
    const served: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; ; page++) {
      const result = await store.listRuns({ limit: 4, flowId: f.id, cursor });
      served.push(...result.runs.map((r) => r.id));
      // Newer runs of both flows arrive while the client reads older pages.
      await store.enqueueRun(newRun(f.id, { now: T0 + 1_000 + page }));
      await store.enqueueRun(newRun(other.id, { now: T0 + 1_000 + page }));
      if (result.nextCursor === null) break;
      cursor = result.nextCursor;
    }
    expect(served).toEqual([...mine].reverse());
  });

  it("serves every text match exactly once when following cursors, however the pages are cut", async () => {
    const store = getStore();
    const f = await store.createFlow(sample, T0);
    const hits: string[] = [];
    for (let i = 0; i < 30; i++) {
      const { runId } = await store.enqueueRun(newRun(f.id, { now: T0 + i, message: { body: { tag: i % 3 === 0 ? "needle" : "hay" } } }));
      if (i % 3 === 0) hits.push(runId);
    }
    expect(await allPages(store, { limit: 4, text: "needle" })).toEqual([...hits].reverse());
    expect(await allPages(store, { limit: 4, text: "needle", since: T0 + 10 })).toEqual(hits.slice(4).reverse());
  });

  it("counts runs per flow and status as they move through their lifecycle", async () => {
    const store = getStore();
    const a = await store.createFlow(sample, T0);
    const b = await store.createFlow(sample, T0);
    const zero = { queued: 0, running: 0, succeeded: 0, failed: 0, canceled: 0 };
    expect(await store.countRuns(a.id)).toEqual({ [a.id]: zero });
    expect(await store.countRuns()).toEqual({});

    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await store.enqueueRun(newRun(a.id, { now: T0 + i }))).runId);
    await store.enqueueRun(newRun(b.id, { now: T0 + 10 }));
    await store.cancelRun(ids[0]!, T0 + 20);
    const claimed = await store.claimRuns("A", 2, T0 + 60_000, T0 + 30);
    expect(claimed.map((c) => c.run.id)).toEqual([ids[1], ids[2]]);
    await store.finishRun({ runId: ids[1]!, owner: "A", status: "succeeded", now: T0 + 40, steps: [] });
    await store.finishRun({ runId: ids[2]!, owner: "A", status: "failed", error: { code: "X", message: "x" }, now: T0 + 40, steps: [] });
    // Taking over a running run whose lease expired keeps it running: it must not count twice.
    await store.enqueueRun(newRun(b.id, { now: T0 + 50, leaseTo: { owner: "A", until: T0 + 60 } }));
    expect(await store.claimRuns("B", 10, T0 + 60_000, T0 + 100)).toHaveLength(3);

    const all = await store.countRuns();
    expect(all).toEqual({
      [a.id]: { ...zero, running: 1, succeeded: 1, failed: 1, canceled: 1 },
      [b.id]: { ...zero, running: 2 },
    });
    expect(await store.countRuns(b.id)).toEqual({ [b.id]: all[b.id] });

    // Runs of a deleted flow stay readable, and so do their counts.
    await store.deleteFlow(a.id);
    expect((await store.countRuns())[a.id]).toEqual(all[a.id]);
  });
}
