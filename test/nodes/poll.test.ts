import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../engine/index.ts";
import type { Logger } from "../../engine/executor/run-executor.ts";
import { engineHarness } from "../helpers/engine-harness.ts";
import { FakeClock } from "../helpers/fake-clock.ts";
import { flow } from "../helpers/flows.ts";
import { hang, json, startHttpTarget } from "../helpers/http-target.ts";
import { tempDir } from "../helpers/temp-store.ts";
import { until } from "../helpers/wait.ts";

const MINUTE = 60_000;
type Target = Awaited<ReturnType<typeof startHttpTarget>>;

async function runMessages(store: Store, flowId: string): Promise<unknown[]> {
  const { runs } = await store.listRuns({ flowId, limit: 100 });
  return Promise.all(runs.reverse().map((r) => store.getRunMessage(r.id)));
}

async function runCount(store: Store, flowId: string): Promise<number> {
  return (await store.listRuns({ flowId, limit: 100 })).runs.length;
}

function recordingLogger() {
  const lines: string[] = [];
  const logger: Logger = { log: (level, message) => void (level === "warn" && lines.push(message)) };
  return { logger, lines };
}

describe("poll node and trigger against a real server on 127.0.0.1", () => {
  let target: Target;
  const feed: { id: number; title: string }[] = [];
  const cleanups: (() => Promise<void> | void)[] = [];

  beforeAll(async () => {
    target = await startHttpTarget({
      "/feed": (req, res) => json(res, 200, { data: feed, token: req.headers["x-token"] }),
      "/flaky-feed": (_req, res, n) => (n === 1 ? json(res, 500, { error: "down" }) : json(res, 200, [{ id: "a" }])),
      "/slow-feed": (_req, res) => hang(res),
      "/big-feed": (_req, res) => json(res, 200, [1, 2, 3, 4, 5]),
    });
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    feed.length = 0;
  });
  afterAll(async () => target.close());

  const poller = (url: string, config: Record<string, unknown> = {}, settings?: Record<string, unknown>) =>
    flow("Poller", [{ id: "p", type: "poll", config: { url, interval: "1m", ...config }, settings }, { id: "l", type: "log" }], ["p->l"]);

  it("fetches when armed and then every interval, starting one run per item", async () => {
    feed.push({ id: 1, title: "one" }, { id: 2, title: "two" });
    const h = await engineHarness({ fakeClock: true });
    cleanups.push(() => h.close());
    const saved = await h.engine.flows.create(poller(`${target.url}/feed`, { items: "data", headers: { "X-Token": "secret" } }));
    await until(async () => (await runCount(h.store, saved.id)) === 2, "the first poll's runs");
    expect(target.to("/feed")[0]!.headers["x-token"]).toBe("secret");

    feed.push({ id: 3, title: "three" });
    await until(() => h.clock!.nextWakeAt() === h.clock!.now() + MINUTE, "the poll to sleep until the next minute");
    await h.clock!.advance(MINUTE);
    await until(async () => (await runCount(h.store, saved.id)) === 5, "the second poll's runs");
    expect(await runMessages(h.store, saved.id)).toEqual([feed[0], feed[1], feed[0], feed[1], feed[2]]);
    const { runs } = await h.store.listRuns({ flowId: saved.id, limit: 10 });
    for (const run of runs) await h.finished(run.id);
    const one = (await h.store.getRun(runs[0]!.id))!;
    expect(one).toMatchObject({ status: "succeeded", triggerType: "poll" });
    expect(one.steps.map((s) => s.nodeId)).toEqual(["p", "l"]);
  });

  it("logs a failed fetch, starts nothing, and tries again at the next interval", async () => {
    const { logger, lines } = recordingLogger();
    const h = await engineHarness({ fakeClock: true, logger });
    cleanups.push(() => h.close());
    const saved = await h.engine.flows.create(poller(`${target.url}/flaky-feed`));
    await until(() => lines.length === 1, "the warning");
    expect(lines[0]).toMatch(/^poll p of flow flw_\w+: GET .*\/flaky-feed answered 500.*; next try at the next interval$/);
    expect(await runCount(h.store, saved.id)).toBe(0);
    await until(() => h.clock!.nextWakeAt() === h.clock!.now() + MINUTE, "the next slot");
    await h.clock!.advance(MINUTE);
    await until(async () => (await runCount(h.store, saved.id)) === 1, "the retry's run");
    expect(await runMessages(h.store, saved.id)).toEqual([{ id: "a" }]);
  });

  it("gives up on a response slower than the node's timeout", async () => {
    const { logger, lines } = recordingLogger();
    const h = await engineHarness({ fakeClock: true, logger });
    cleanups.push(() => h.close());
    const saved = await h.engine.flows.create(poller(`${target.url}/slow-feed`, {}, { timeout: "5s" }));
    const t = h.clock!.now();
    await until(() => target.to("/slow-feed").length === 1 && h.clock!.nextWakeAt() === t + 5_000, "the request to hang");
    await h.clock!.advance(5_000);
    await until(() => lines.length === 1, "the timeout warning");
    expect(lines[0]).toContain("no answer within 5000 ms");
    expect(await runCount(h.store, saved.id)).toBe(0);
  });

  it("drops items past maxItems with a warning", async () => {
    const { logger, lines } = recordingLogger();
    const h = await engineHarness({ fakeClock: true, logger });
    cleanups.push(() => h.close());
    const saved = await h.engine.flows.create(poller(`${target.url}/big-feed`, { maxItems: 3 }));
    await until(async () => (await runCount(h.store, saved.id)) === 3, "three runs");
    expect(await runMessages(h.store, saved.id)).toEqual([1, 2, 3]);
    expect(lines).toEqual([expect.stringContaining("5 items, only the first 3 start runs")]);
  });

  it("polls a slot once across a restart, and once (not per missed slot) after downtime", async () => {
    feed.push({ id: 1, title: "one" });
    const dir = tempDir();
    cleanups.push(() => dir.remove());
    const filename = path.join(dir.dir, "runnel.db");
    const clock = new FakeClock();
    const fetches = (() => {
      const before = target.to("/feed").length;
      return () => target.to("/feed").length - before;
    })();

    const first = await engineHarness({ fakeClock: clock, filename });
    const saved = await first.engine.flows.create(poller(`${target.url}/feed`, { items: "data" }));
    await until(async () => (await runCount(first.store, saved.id)) === 1, "the first poll");
    await first.close();

    await clock.advance(30_000);
    const second = await engineHarness({ fakeClock: clock, filename });
    await until(() => clock.nextWakeAt() === clock.now() + 30_000, "the restarted poll to wait for the next slot");
    expect(fetches()).toBe(1);
    await second.close();

    await clock.advance(10 * MINUTE);
    const third = await engineHarness({ fakeClock: clock, filename });
    cleanups.push(() => third.close());
    await until(async () => (await runCount(third.store, saved.id)) === 2, "the recovery poll");
    await until(() => clock.nextWakeAt() !== undefined, "the poll to sleep again");
    expect(fetches()).toBe(2);
  });

  it("refuses an interval under 1s and a URL that is not http(s)", async () => {
    const h = await engineHarness({ fakeClock: true });
    cleanups.push(() => h.close());
    const error = await h.engine.flows.create(poller("ftp://example.com/feed", { interval: "500ms" })).catch((e) => e);
    expect(error.details.problems.map((p: { field: string; message: string }) => `${p.field}: ${p.message}`).sort()).toEqual([
      "config.interval: the interval must be at least 1s",
      "config.url: expected an http:// or https:// URL",
    ]);
  });
});

describe("poll → dedupe by id → log new items", () => {
  it("logs only items it has not seen before", async () => {
    const feed = [{ id: 1 }, { id: 2 }];
    const target = await startHttpTarget({ "/items": (_req, res) => json(res, 200, { items: feed }) });
    const h = await engineHarness({ fakeClock: true });
    try {
      const saved = await h.engine.flows.create(
        flow(
          "New items",
          [
            { id: "p", type: "poll", config: { url: `${target.url}/items`, interval: "1m", items: "items" } },
            { id: "d", type: "dedupe", config: { key: "id" } },
            { id: "l", type: "log", config: { message: "new item {{ id }}" } },
          ],
          ["p->d", "d:out->l"],
        ),
      );
      const finishedRuns = async (n: number) => {
        await until(async () => (await runCount(h.store, saved.id)) === n, `${n} runs`);
        const { runs } = await h.store.listRuns({ flowId: saved.id, limit: 100 });
        for (const run of runs) await h.finished(run.id);
        return Promise.all(runs.reverse().map(async (r) => (await h.store.getRun(r.id))!));
      };
      await finishedRuns(2);
      feed.push({ id: 3 });
      await until(() => h.clock!.nextWakeAt() === h.clock!.now() + MINUTE, "the next slot");
      await h.clock!.advance(MINUTE);
      const runs = await finishedRuns(5);
      const logged = runs.flatMap((r) => r.steps.filter((s) => s.nodeId === "l").map((s) => s.meta?.logged));
      expect(logged).toEqual(["new item 1", "new item 2", "new item 3"]);
      expect(runs.every((r) => r.status === "succeeded")).toBe(true);
    } finally {
      await h.close();
      await target.close();
    }
  });
});
