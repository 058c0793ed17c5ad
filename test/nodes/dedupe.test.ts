import { createHash } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeClock } from "../helpers/fake-clock.ts";
import { engineHarness } from "../helpers/engine-harness.ts";
import { flow } from "../helpers/flows.ts";
import { appFor, dedupeStep, manualDedupeFlow, outcomeOf, runOnce, type Harness } from "../dedupe/helpers.ts";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const MINUTE = 60_000;

describe("dedupe node", () => {
  let h: Harness;
  let clock: FakeClock;

  beforeEach(async () => {
    clock = new FakeClock();
    h = await engineHarness({ fakeClock: clock, engine: { keyPruning: false } });
  });
  afterEach(async () => h.close());

  const saveDedupe = (config: Record<string, unknown>, name = "D") =>
    h.engine.flows.create(manualDedupeFlow(name, [{ id: "dd", config }]));

  it("sends the first message with a key to out and a repeat to duplicate, recording who was first", async () => {
    const saved = await saveDedupe({ key: "order", window: "10m" });
    const t0 = clock.now();
    const first = await runOnce(h, saved, { order: "A-1" });
    expect(outcomeOf(first)).toBe("out");
    expect(dedupeStep(first).outputs.out).toEqual([{ order: "A-1" }]);
    expect(dedupeStep(first).meta).toEqual({
      key: "A-1",
      scope: `node:${saved.id}:dd`,
      window: "10m",
      outcome: "first",
      expiresAt: new Date(t0 + 10 * MINUTE).toISOString(),
    });

    await clock.advance(1234);
    const repeat = await runOnce(h, saved, { order: "A-1" });
    expect(repeat.status).toBe("succeeded");
    expect(dedupeStep(repeat).outputs).toEqual({ duplicate: [{ order: "A-1" }] });
    expect(dedupeStep(repeat).meta).toEqual({
      key: "A-1",
      scope: `node:${saved.id}:dd`,
      window: "10m",
      outcome: "duplicate",
      firstRunId: first.id,
      firstSeenAt: new Date(t0).toISOString(),
    });
    expect(outcomeOf(await runOnce(h, saved, { order: "A-2" }))).toBe("out");
  });

  it("keys on the SHA-256 of the body's canonical JSON when the key is empty, ignoring key order and headers", async () => {
    const saved = await saveDedupe({});
    const a = await runOnce(h, saved, { body: { b: [1, { y: 2, x: 1 }], a: "z" }, headers: { "x-try": "1" } });
    expect(dedupeStep(a).meta?.key).toBe(sha256('{"a":"z","b":[1,{"x":1,"y":2}]}'));
    expect(outcomeOf(a)).toBe("out");
    const b = await runOnce(h, saved, { headers: { "x-try": "2" }, body: { a: "z", b: [1, { x: 1, y: 2 }] } });
    expect(outcomeOf(b)).toBe("duplicate");
    expect(outcomeOf(await runOnce(h, saved, { body: { a: "z", b: [{ x: 1, y: 2 }, 1] } }))).toBe("out");
  });

  it("hashes the whole message when it has no body", async () => {
    const saved = await saveDedupe({ key: "" });
    const run = await runOnce(h, saved, { id: 7, tags: ["a"] });
    expect(dedupeStep(run).meta?.key).toBe(sha256('{"id":7,"tags":["a"]}'));
    expect(outcomeOf(await runOnce(h, saved, { tags: ["a"], id: 7 }))).toBe("duplicate");
  });

  it("turns numbers, booleans and objects into stable keys and stores very long keys as a hash", async () => {
    const saved = await saveDedupe({ key: "k" });
    expect(dedupeStep(await runOnce(h, saved, { k: 42 })).meta?.key).toBe("42");
    expect(outcomeOf(await runOnce(h, saved, { k: "42" }))).toBe("duplicate");
    expect(dedupeStep(await runOnce(h, saved, { k: { b: 1, a: true } })).meta?.key).toBe('{"a":true,"b":1}');
    const long = "x".repeat(600);
    expect(dedupeStep(await runOnce(h, saved, { k: long })).meta?.key).toBe(`sha256:${sha256(long)}`);
  });

  it("fails the step with DEDUPE_NO_KEY when the key expression gives nothing", async () => {
    const saved = await saveDedupe({ key: "body.id" });
    const run = await runOnce(h, saved, { body: {} });
    expect(run.status).toBe("failed");
    expect(dedupeStep(run).error).toMatchObject({ code: "DEDUPE_NO_KEY" });
    expect(dedupeStep(run).error?.message).toContain("body.id");
  });

  it("treats a second execution in the same run as a duplicate of the first", async () => {
    const twice = flow("Twice", [{ id: "m", type: "manual" }, { id: "dd", type: "dedupe", config: { key: "id" } }], ["m->dd", "m->dd"]);
    const run = await runOnce(h, await h.engine.flows.create(twice), { id: "same" });
    const steps = run.steps.filter((s) => s.nodeId === "dd");
    expect(steps.map((s) => Object.keys(s.outputs)[0])).toEqual(["out", "duplicate"]);
    expect(steps[1]!.meta?.firstRunId).toBe(run.id);
  });

  it("opens the window again exactly when it ends, to the millisecond", async () => {
    const saved = await saveDedupe({ key: "id", window: "10m" });
    const first = await runOnce(h, saved, { id: 1 });
    await clock.advance(10 * MINUTE - 1);
    expect(outcomeOf(await runOnce(h, saved, { id: 1 }))).toBe("duplicate");
    await clock.advance(1);
    const second = await runOnce(h, saved, { id: 1 });
    expect(outcomeOf(second)).toBe("out");
    // The new window counts from the second pass, not the first.
    await clock.advance(10 * MINUTE - 1);
    const third = await runOnce(h, saved, { id: 1 });
    expect(dedupeStep(third).meta).toMatchObject({ outcome: "duplicate", firstRunId: second.id });
    expect(dedupeStep(third).meta?.firstRunId).not.toBe(first.id);
    await clock.advance(1);
    expect(outcomeOf(await runOnce(h, saved, { id: 1 }))).toBe("out");
  });

  it("uses 24h by default and remembers forever when told", async () => {
    const byDefault = await saveDedupe({ key: "id" }, "default");
    const forever = await saveDedupe({ key: "id", window: "forever" }, "forever");
    await runOnce(h, byDefault, { id: 1 });
    await runOnce(h, forever, { id: 1 });
    expect(dedupeStep(await runOnce(h, forever, { id: 1 })).meta).toMatchObject({ outcome: "duplicate" });
    await clock.advance(24 * 60 * MINUTE - 1);
    expect(outcomeOf(await runOnce(h, byDefault, { id: 1 }))).toBe("duplicate");
    await clock.advance(1);
    expect(outcomeOf(await runOnce(h, byDefault, { id: 1 }))).toBe("out");
    await clock.advance(3650 * 24 * 60 * MINUTE);
    expect(outcomeOf(await runOnce(h, forever, { id: 1 }))).toBe("duplicate");
  });

  it("rejects bad configs on save with every problem named", async () => {
    const res = await appFor(h).request("/api/flows", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(manualDedupeFlow("Bad", [{ id: "dd", config: { key: "(", window: "0ms", scope: " " } }])),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { details: { problems: { nodeId: string; field: string }[] } } };
    const fields = body.error.details.problems.filter((p) => p.nodeId === "dd").map((p) => p.field);
    expect(fields).toEqual(expect.arrayContaining(["config.key", "config.window", "config.scope"]));
  });

  it("is in the catalog with out and duplicate ports and says what an empty key hashes", async () => {
    const res = await appFor(h).request("/api/node-types");
    const { nodeTypes } = (await res.json()) as { nodeTypes: { type: string; outputs: string[]; configSchema: unknown }[] };
    const dedupe = nodeTypes.find((t) => t.type === "dedupe")!;
    expect(dedupe.outputs).toEqual(["out", "duplicate"]);
    expect(JSON.stringify(dedupe.configSchema)).toContain("msg.body when the message has a body, else of the whole message");
  });
});
