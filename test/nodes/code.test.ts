import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunWithSteps } from "../../engine/model/index.ts";
import { sandboxPool } from "../../engine/sandbox/sandbox-pool.ts";
import { engineHarness } from "../helpers/engine-harness.ts";
import { flow } from "../helpers/flows.ts";

describe("code node", () => {
  let h: Awaited<ReturnType<typeof engineHarness>>;
  beforeAll(async () => {
    h = await engineHarness();
    await sandboxPool().warm();
  });
  afterAll(() => h.close());

  const run = (config: Record<string, unknown>, message: unknown = {}) =>
    h.runFlow(flow("code", [{ id: "m", type: "manual" }, { id: "c", type: "code", config }, { id: "l", type: "log" }], ["m->c", "c->l"]), message);
  const step = (r: RunWithSteps, nodeId: string) => r.steps.find((s) => s.nodeId === nodeId);

  it("returns a message, an array of messages, or nothing", async () => {
    const one = await run({ source: "console.log('got', msg.n); return { doubled: msg.n * 2 }" }, { n: 21 });
    expect(one.status).toBe("succeeded");
    expect(step(one, "c")?.outputs).toEqual({ out: [{ doubled: 42 }] });
    expect(step(one, "c")?.meta?.logs).toEqual([{ level: "log", message: "got 21" }]);
    expect(step(one, "l")?.input).toEqual({ doubled: 42 });

    const many = await run({ source: "return msg.items.map((item) => ({ item }))" }, { items: ["a", "b", "c"] });
    expect(step(many, "c")?.outputs.out).toEqual([{ item: "a" }, { item: "b" }, { item: "c" }]);
    expect(many.steps.filter((s) => s.nodeId === "l")).toHaveLength(3);

    const none = await run({ source: "if (msg.skip) return; return msg" }, { skip: true });
    expect(none.status).toBe("succeeded");
    expect(step(none, "c")?.outputs).toEqual({});
    expect(step(none, "l")).toBeUndefined();
  });

  it("fails the step with a typed error and keeps console output", async () => {
    const failed = await run({ source: "console.warn('checking'); if (!msg.id) throw new TypeError('id is required'); return msg" });
    expect(failed.status).toBe("failed");
    expect(step(failed, "c")?.error).toMatchObject({ code: "CODE_ERROR", message: "TypeError: id is required" });
    expect(step(failed, "c")?.meta?.logs).toEqual([{ level: "warn", message: "checking" }]);
    const noHost = await run({ source: "return require('fs').readFileSync('/etc/passwd', 'utf8')" });
    expect(step(noHost, "c")?.error?.code).toBe("CODE_ERROR");
    const memory = await run({ source: "const a = []; for (;;) a.push(new ArrayBuffer(1 << 20))", memoryMb: 16, timeout: "5s" });
    expect(step(memory, "c")?.error?.code).toBe("CODE_MEMORY_LIMIT");
  });

  it("stops code that outruns its limit on time, with the event loop free meanwhile, and the next call starts at once", async () => {
    // Catching each stack overflow and recursing again outruns QuickJS's own deadline by
    // seconds; the thread is killed at the deadline plus a grace instead.
    let ticks = 0;
    let worstLag = 0;
    let last = Date.now();
    const timer = setInterval(() => {
      worstLag = Math.max(worstLag, Date.now() - last - 10);
      last = Date.now();
      ticks++;
    }, 10);
    const started = Date.now();
    const hostile = await run({ source: "function f() { try { return f() } catch { return f() } } return f()" });
    const took = Date.now() - started;
    clearInterval(timer);
    expect(step(hostile, "c")?.error?.code).toBe("CODE_TIMEOUT");
    expect(took).toBeLessThan(2_500);
    expect(ticks).toBeGreaterThan(took / 40);
    expect(worstLag).toBeLessThan(500);

    const afterKill = Date.now();
    const next = await run({ source: "return { ok: true }" });
    const nextMs = Date.now() - afterKill;
    expect(step(next, "c")?.outputs.out).toEqual([{ ok: true }]);
    console.log(`code node: hostile recursion stopped after ${took} ms (limit 1000 ms), worst event-loop lag ${worstLag} ms, next call ${nextMs} ms`);
    expect(nextMs).toBeLessThan(1_000);
  });

  it("honours a configured time limit", async () => {
    const started = Date.now();
    const looped = await run({ source: "while (true) {}", timeout: "200ms" });
    expect(step(looped, "c")?.error).toMatchObject({ code: "CODE_TIMEOUT", message: expect.stringContaining("200 ms") });
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});
