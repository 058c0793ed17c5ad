import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { builtinNodes, Catalog, StepFailure } from "../../engine/index.ts";
import { defineNode } from "../../engine/nodes/contract.ts";
import type { FlowInput } from "../../engine/model/index.ts";
import { engineHarness } from "../helpers/engine-harness.ts";
import { flow } from "../helpers/flows.ts";
import { driveClock } from "../helpers/wait.ts";

/** A node that fails its first `failures` attempts as told, and notes when each attempt started. */
const flakyNode = defineNode({
  type: "flaky",
  category: "action",
  title: "Flaky",
  description: "test fixture",
  icon: "bug",
  outputs: ["out"],
  config: z.object({
    failures: z.number().default(0),
    permanent: z.boolean().default(false),
    retryAfterMs: z.number().optional(),
    hang: z.boolean().default(false),
  }),
  async run(ctx, msg, config) {
    const starts = (ctx.meta.starts ??= []) as number[];
    starts.push(ctx.now());
    if (config.hang) await new Promise((_resolve, reject) => ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason)));
    if (ctx.attempt <= config.failures) {
      throw new StepFailure("FLAKY", `attempt ${ctx.attempt} failed`, { permanent: config.permanent, retryAfterMs: config.retryAfterMs });
    }
    return { out: [msg] };
  },
});

const SECOND = 1_000;

describe("common node settings (retries, backoff, Retry-After, timeout, onError) on a fake clock", () => {
  let h: Awaited<ReturnType<typeof engineHarness>>;
  beforeAll(async () => (h = await engineHarness({ fakeClock: true, catalog: new Catalog([...builtinNodes, flakyNode]) })));
  afterAll(async () => h.close());

  const flaky = (config: Record<string, unknown>, settings: Record<string, unknown>) =>
    flow("Flaky", [{ id: "m", type: "manual" }, { id: "f", type: "flaky", config, settings }, { id: "l", type: "log" }], ["m->f", "f->l"]);

  async function run(input: FlowInput, message: unknown = { n: 1 }) {
    const { runId } = await h.startFlow(input, message);
    await driveClock(h.clock!, () => h.isFinished(runId));
    const result = (await h.store.getRun(runId))!;
    const starts = (result.steps.find((s) => s.nodeId === "f")?.meta?.starts ?? []) as number[];
    return { result, gaps: starts.slice(1).map((t, i) => t - starts[i]!) };
  }

  it("stops after maxAttempts and records the attempt that failed last", async () => {
    const { result, gaps } = await run(flaky({ failures: 5 }, { retry: { maxAttempts: 3, backoff: "1s" } }));
    expect(result.status).toBe("failed");
    expect(result.steps[1]).toMatchObject({ status: "failed", attempts: 3, error: { code: "FLAKY", message: "attempt 3 failed", attempt: 3 } });
    expect(result.error).toMatchObject({ code: "FLAKY", details: { nodeId: "f" } });
    expect(gaps).toHaveLength(2);
  });

  it("backs off exponentially with jitter (50-100% of each step), capped by maxBackoff", async () => {
    const allGaps: number[][] = [];
    for (let i = 0; i < 4; i++) {
      const { result, gaps } = await run(flaky({ failures: 3 }, { retry: { maxAttempts: 4, backoff: "1s", maxBackoff: "3s" } }));
      expect(result.steps[1]).toMatchObject({ status: "succeeded", attempts: 4 });
      const [first, second, third] = gaps as [number, number, number];
      expect(first).toBeGreaterThanOrEqual(0.5 * SECOND);
      expect(first).toBeLessThanOrEqual(1 * SECOND);
      expect(second).toBeGreaterThanOrEqual(1 * SECOND);
      expect(second).toBeLessThanOrEqual(2 * SECOND);
      expect(third).toBeGreaterThanOrEqual(1.5 * SECOND); // 4 s capped at 3 s, then jittered
      expect(third).toBeLessThanOrEqual(3 * SECOND);
      allGaps.push(gaps);
    }
    expect(new Set(allGaps.map((g) => g.join())).size).toBeGreaterThan(1);
  });

  it("waits at least as long as Retry-After asks, and gives up at once when that exceeds maxBackoff", async () => {
    const honoured = await run(flaky({ failures: 1, retryAfterMs: 5 * SECOND }, { retry: { maxAttempts: 2, backoff: "1s", maxBackoff: "1m" } }));
    expect(honoured.result.steps[1]).toMatchObject({ status: "succeeded", attempts: 2 });
    expect(honoured.gaps).toEqual([5 * SECOND]);

    const tooLong = await run(flaky({ failures: 1, retryAfterMs: 120 * SECOND }, { retry: { maxAttempts: 3, backoff: "1s", maxBackoff: "1m" } }));
    expect(tooLong.result.steps[1]).toMatchObject({ status: "failed", attempts: 1 });
    expect(tooLong.result.steps[1]!.error!.message).toContain("Retry-After 120s exceeds maxBackoff");
  });

  it("never retries a permanent failure (a 4xx, a bad expression)", async () => {
    const { result } = await run(flaky({ failures: 1, permanent: true }, { retry: { maxAttempts: 5 } }));
    expect(result.steps[1]).toMatchObject({ status: "failed", attempts: 1 });
  });

  it("times out each attempt after settings.timeout and retries it", async () => {
    const { result, gaps } = await run(flaky({ hang: true }, { timeout: "3s", retry: { maxAttempts: 2, backoff: "1s" } }));
    expect(result.steps[1]).toMatchObject({ status: "failed", attempts: 2, error: { code: "TIMEOUT", message: "step did not finish within 3000 ms", attempt: 2 } });
    expect(gaps[0]).toBeGreaterThanOrEqual(3.5 * SECOND);
    expect(gaps[0]).toBeLessThanOrEqual(4 * SECOND);
    expect(Date.parse(result.steps[1]!.finishedAt) - Date.parse(result.steps[1]!.startedAt)).toBe(3 * SECOND + gaps[0]!);
  });

  it("with onError continue, routes { error: { code, message, attempt } } to the error port and the run succeeds", async () => {
    const input = flow(
      "Continue",
      [
        { id: "m", type: "manual" },
        { id: "f", type: "flaky", config: { failures: 9 }, settings: { onError: "continue", retry: { maxAttempts: 2, backoff: "1s" } } },
        { id: "ok", type: "log" },
        { id: "handled", type: "log", config: { message: "{{ error.code }} after {{ error.attempt }}" } },
      ],
      ["m->f", "f:out->ok", "f:error->handled"],
    );
    const { result } = await run(input, { order: 5 });
    expect(result.status).toBe("succeeded");
    expect(result.steps.map((s) => [s.nodeId, s.status])).toEqual([["m", "succeeded"], ["f", "failed"], ["handled", "succeeded"]]);
    expect(result.steps[1]!.outputs).toEqual({ error: [{ order: 5, error: { code: "FLAKY", message: "attempt 2 failed", attempt: 2 } }] });
    expect(result.steps[2]!.meta).toEqual({ logged: "FLAKY after 2" });
  });

  it("offers the error port only with onError continue", async () => {
    const input = flow("No port", [{ id: "m", type: "manual" }, { id: "f", type: "flaky" }, { id: "l", type: "log" }], ["m->f", "f:error->l"]);
    const error = await h.engine.flows.create(input).catch((e) => e);
    expect(error.code).toBe("INVALID_FLOW");
    expect(error.details.problems[0]).toMatchObject({ edgeId: "e2", field: "sourcePort" });
  });
});
