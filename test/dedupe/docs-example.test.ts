import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { FlowInput } from "../../engine/model/index.ts";
import { engineHarness } from "../helpers/engine-harness.ts";
import { json, startHttpTarget } from "../helpers/http-target.ts";
import { until } from "../helpers/wait.ts";
import type { Harness } from "./helpers.ts";

const doc = readFileSync(path.resolve(import.meta.dirname, "../../docs/dedupe.md"), "utf8");
const example = JSON.parse(/```json\n([\s\S]*?)\n```/.exec(doc)![1]!) as FlowInput;

describe("the docs/dedupe.md example: poll → split → dedupe → log", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it("logs each feed item once across polls, run as written (only the URL points at a local feed)", async () => {
    let feed = [{ id: 1, title: "One" }, { id: 2, title: "Two" }];
    const target = await startHttpTarget({ "/feed.json": (_req, res) => json(res, 200, { items: feed }) });
    cleanups.push(() => target.close());
    const h: Harness = await engineHarness({ fakeClock: true, engine: { keyPruning: false } });
    cleanups.push(() => h.close());
    const nodes = example.nodes.map((n) => (n.type === "poll" ? { ...n, config: { ...n.config, url: `${target.url}/feed.json` } } : n));
    const saved = await h.engine.flows.create({ ...example, nodes });

    const logged = async () => {
      const { runs } = await h.store.listRuns({ flowId: saved.id, limit: 10 });
      for (const run of runs) await h.finished(run.id);
      const lines: string[] = [];
      for (const { id } of runs.reverse()) {
        for (const step of (await h.store.getRun(id))!.steps) if (step.nodeId === "log") lines.push(String(step.meta?.logged));
      }
      return { runs: runs.length, lines };
    };

    await until(async () => (await h.store.listRuns({ flowId: saved.id, limit: 10 })).runs.length === 1, "the first poll's run");
    expect(await logged()).toEqual({ runs: 1, lines: ["new item 1: One", "new item 2: Two"] });

    feed = [{ id: 2, title: "Two" }, { id: 3, title: "Three" }];
    await until(() => h.clock!.nextWakeAt() === h.clock!.now() + 60_000, "the poll to wait for the next minute");
    await h.clock!.advance(60_000);
    await until(async () => (await h.store.listRuns({ flowId: saved.id, limit: 10 })).runs.length === 2, "the second poll's run");
    expect(await logged()).toEqual({ runs: 2, lines: ["new item 1: One", "new item 2: Two", "new item 3: Three"] });
  });
});
