import { describe, expect, it } from "vitest";
import { edgeTaken, overlayOf } from "../../editor/src/store/run-overlay.ts";
import { appendPage, mergeFirstPage, patchStatus } from "../../editor/src/store/run-list.ts";
import type { RunDetail, RunStep, RunSummary } from "../../editor/src/runs-api.ts";

const at = "2026-01-01T00:00:00.000Z";
const step = (seq: number, nodeId: string, extra: Partial<RunStep> = {}): RunStep => ({
  seq, nodeId, nodeType: "x", status: "succeeded", input: { seq }, outputs: { out: [{ seq }] }, attempts: 1, startedAt: at, finishedAt: at, ...extra,
});
const run = (steps: RunStep[]): RunDetail => ({ id: "r1", flowId: "f", status: "failed", createdAt: at, steps });

describe("painting a run", () => {
  // trigger → split (fans out 2) → check (one ok, one failed) → log; dedupe saw a duplicate; "never" unreached.
  const overlay = overlayOf(
    run([
      step(1, "trigger"),
      step(2, "split", { outputs: { out: [{ a: 1 }, { a: 2 }] } }),
      step(3, "check"),
      step(4, "check", { status: "failed", outputs: {}, error: { code: "BOOM", message: "no" } }),
      step(5, "dedupe", { outputs: { out: [] }, meta: { outcome: "duplicate" } }),
      step(6, "log"),
    ]),
  );

  it("shows the most telling outcome of a node that ran several times, and keeps every execution", () => {
    expect(overlay.nodes).toEqual({ trigger: "succeeded", split: "succeeded", check: "failed", dedupe: "duplicate", log: "succeeded" });
    expect(overlay.steps.check!.map((s) => s.seq)).toEqual([3, 4]);
    expect(overlay.nodes.never).toBeUndefined();
  });

  it("counts an edge as taken when its source emitted on that port and the target ran afterwards", () => {
    expect(edgeTaken(overlay, { source: "split", sourcePort: "out", target: "check" })).toBe(true);
    expect(edgeTaken(overlay, { source: "check", sourcePort: "error", target: "log" })).toBe(false);
    expect(edgeTaken(overlay, { source: "dedupe", sourcePort: "out", target: "log" })).toBe(false);
    expect(edgeTaken(overlay, { source: "log", sourcePort: "out", target: "never" })).toBe(false);
    // A target that ran before the source emitted got its message elsewhere.
    expect(edgeTaken(overlay, { source: "log", sourcePort: "out", target: "split" })).toBe(false);
  });
});

const summary = (n: number, status: RunSummary["status"] = "succeeded"): RunSummary => ({
  id: `run${String(n).padStart(3, "0")}`, flowId: "f", status, createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
});
const ids = (runs: RunSummary[]) => runs.map((r) => Number(r.id.slice(3)));

describe("a live, paged run list", () => {
  it("folds a refetched first page in without losing the pages already loaded", () => {
    // Loaded: 10..6 (page 1) and 5..1 (page 2); two new runs arrive and 9 failed meanwhile.
    const loaded = appendPage({ runs: [10, 9, 8, 7, 6].map((n) => summary(n)), nextCursor: "c1" }, { runs: [5, 4, 3, 2, 1].map((n) => summary(n)), nextCursor: "c2" });
    const fresh = { runs: [12, 11, 10, 9, 8].map((n) => summary(n, n === 9 ? "failed" : "succeeded")), nextCursor: "x" };
    const merged = mergeFirstPage(loaded, fresh);
    expect(ids(merged.runs)).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(merged.runs.find((r) => r.id === "run009")!.status).toBe("failed");
    expect(merged.nextCursor).toBe("c2");
  });

  it("takes the fresh page as the whole truth when it is the last page, and appends pages without repeats", () => {
    const loaded = { runs: [3, 2, 1].map((n) => summary(n)), nextCursor: null };
    expect(ids(mergeFirstPage(loaded, { runs: [4, 3, 1].map((n) => summary(n)), nextCursor: null }).runs)).toEqual([4, 3, 1]);
    expect(ids(appendPage(loaded, { runs: [1, 0].map((n) => summary(n)), nextCursor: null }).runs)).toEqual([3, 2, 1, 0]);
  });

  it("shows a run's new status from the event before the refetch lands", () => {
    const list = { runs: [summary(1, "running")], nextCursor: null };
    expect(patchStatus(list, { type: "run.finished", runId: "run001", flowId: "f", status: "failed" }).runs[0]!.status).toBe("failed");
    expect(patchStatus(list, { type: "step.finished", runId: "run001", flowId: "f", status: "failed" })).toBe(list);
  });
});
