import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FlowInput } from "../../engine/model/index.ts";
import { engineHarness } from "../helpers/engine-harness.ts";
import { flow } from "../helpers/flows.ts";
import { outcomeOf, runOnce, type Harness } from "./helpers.ts";

const doc = readFileSync(path.resolve(import.meta.dirname, "../../docs/dedupe.md"), "utf8");
const example = JSON.parse(/```json\n([\s\S]*?)\n```/.exec(doc)![1]!) as FlowInput;

describe("the docs/dedupe.md example", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await engineHarness({ engine: { keyPruning: false } });
  });
  afterEach(async () => h.close());

  it("logs each feed item once: its dedupe and log nodes run as written on split's { item, index, total } messages", async () => {
    expect(example.nodes.map((n) => n.type)).toEqual(["poll", "split", "dedupe", "log"]);
    const node = (type: string) => example.nodes.find((n) => n.type === type)!;
    // poll and split are stood in for by a manual trigger that emits what split emits.
    const standIn = flow(
      "Feed example",
      [
        { id: "m", type: "manual" },
        { id: "new", type: "dedupe", config: node("dedupe").config },
        { id: "log", type: "log", config: node("log").config },
      ],
      ["m->new", "new->log"],
    );
    const saved = await h.engine.flows.create(standIn);
    const item = (id: number, index: number) => ({ item: { id, title: `Post ${id}` }, index, total: 2 });
    const logged: string[] = [];
    for (const poll of [[item(1, 0), item(2, 1)], [item(2, 0), item(3, 1)]]) {
      for (const message of poll) {
        const run = await runOnce(h, saved, message);
        if (outcomeOf(run, "new") === "out") logged.push(String(run.steps.find((s) => s.nodeId === "log")?.meta?.logged));
      }
    }
    expect(logged).toEqual(["new item 1: Post 1", "new item 2: Post 2", "new item 3: Post 3"]);
  });
});
