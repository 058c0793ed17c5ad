import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Database from "better-sqlite3";
import { SqliteStore, type DedupeOutcome, type StepRecord } from "../../engine/index.ts";
import { dedupeStep } from "../helpers/dedupe-steps.ts";
import { tempDir } from "../helpers/temp-store.ts";

const T0 = Date.UTC(2026, 0, 1);
const KEYS = ["a", "b", "c"] as const;

interface Event {
  key: (typeof KEYS)[number];
  /** ms since the previous event; small, so window boundaries (±1 ms) are hit often. */
  gap: number;
  window: number | null;
  end: "fails" | "succeeds" | "pending";
  releaseOnFailure: boolean;
  /** The same execution claims again (a resume after a crash). */
  resume: boolean;
  /** A second execution of the dedupe node in the same run (fan-out). */
  second: boolean;
  restartBefore: boolean;
  prune: boolean;
  operatorDelete: boolean;
  /** Wait for this event's writes before issuing the next (otherwise they share a group commit). */
  flush: boolean;
}

/** True one time in `n`; shrinks towards false. */
const rarely = (n: number) => fc.integer({ min: 1, max: n }).map((k) => k === n);

const eventArb: fc.Arbitrary<Event> = fc.record({
  key: fc.constantFrom(...KEYS),
  gap: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 12 }), fc.constant(1_000)),
  window: fc.constantFrom(1, 2, 5, 10, null),
  end: fc.constantFrom("fails", "fails", "succeeds", "pending", "pending"),
  releaseOnFailure: fc.boolean(),
  resume: fc.boolean(),
  second: rarely(6),
  restartBefore: rarely(100),
  prune: rarely(6),
  operatorDelete: rarely(12),
  flush: rarely(6),
});

interface ModelKey {
  runId: string;
  execution: string;
  firstSeenAt: number;
  expiresAt: number | null;
  releaseOnFailure: boolean;
}

/** The plain model: a map of keys, where an expired entry counts as absent. */
class Model {
  readonly keys = new Map<string, ModelKey>();

  live(key: string, now: number): ModelKey | undefined {
    const entry = this.keys.get(key);
    return entry && (entry.expiresAt === null || entry.expiresAt > now) ? entry : undefined;
  }

  claim(key: string, runId: string, execution: string, now: number, window: number | null, releaseOnFailure: boolean): DedupeOutcome {
    const entry = this.live(key, now);
    if (entry) {
      if (entry.runId === runId && entry.execution === execution) return { first: true };
      return { first: false, firstRunId: entry.runId, firstSeenAt: entry.firstSeenAt };
    }
    this.keys.set(key, { runId, execution, firstSeenAt: now, expiresAt: window === null ? null : now + window, releaseOnFailure });
    return { first: true };
  }

  fail(runId: string): void {
    for (const [key, entry] of this.keys) if (entry.runId === runId && entry.releaseOnFailure) this.keys.delete(key);
  }
}

describe("dedupe store against a plain model (fast-check)", () => {
  const temp = tempDir("runnel-dedupe-prop-");
  const filename = path.join(temp.dir, "runnel.db");
  let store: SqliteStore;
  // A second connection held open for the whole test, so closing the store at a restart does not
  // checkpoint the WAL each time (as after a crash); the restarted store still reads only the file.
  let anchor: Database.Database;
  let sequence = 0;
  let restarts = 0;

  beforeAll(() => {
    store = new SqliteStore({ filename, synchronous: "normal" });
    anchor = new Database(filename);
  });
  afterAll(async () => {
    await store.close();
    anchor.close();
    temp.remove();
  });

  async function restart(): Promise<void> {
    await store.close();
    store = new SqliteStore({ filename, synchronous: "normal" });
    restarts++;
  }

  it("agrees on every claim over 10,000 random sequences of (key, time, run fails?) with restarts", async () => {
    const property = fc.asyncProperty(fc.array(eventArb, { minLength: 1, maxLength: 6 }), async (events) => {
      const scope = `prop:${++sequence}`;
      const model = new Model();
      let pending: Promise<void>[] = [];
      const check = (actual: Promise<DedupeOutcome>, expected: DedupeOutcome, what: string) =>
        pending.push(actual.then((outcome) => void expect(outcome, what).toEqual(expected)));
      const flush = async () => {
        const batch = pending;
        pending = [];
        await Promise.all(batch);
      };
      let now = T0;

      for (const [i, e] of events.entries()) {
        now += e.gap;
        if (e.restartBefore) {
          await flush();
          await restart();
        }
        const runId = `${scope}:run${i}`;
        const finishes = e.end !== "pending";
        if (finishes) {
          pending.push(
            store
              .enqueueRun({ id: runId, flowId: "flw_prop", flowVersion: 1, triggerNodeId: "t", triggerType: "manual", message: null, frontier: [], now, leaseTo: { owner: "P", until: now + 60_000 } })
              .then(() => undefined),
          );
        }
        const claim = { scope, key: e.key, runId, now, expiresAt: e.window === null ? null : now + e.window, releaseOnFailure: e.releaseOnFailure };
        // The run's journal, as the dedupe node leaves it: a step naming the key when it came first.
        const steps: StepRecord[] = [];
        const claimed = (execution: string, what: string) => {
          const expected = model.claim(e.key, runId, execution, now, e.window, e.releaseOnFailure);
          check(store.claimDedupeKey({ ...claim, execution }), expected, what);
          if (expected.first) steps.push(dedupeStep(steps.length + 2, scope, e.key, now));
        };
        claimed("dd:1", `event ${i} claim`);
        if (e.resume) claimed("dd:1", `event ${i} resume`);
        if (e.second) claimed("dd:2", `event ${i} second`);
        if (finishes) {
          const status = e.end === "fails" ? "failed" : "succeeded";
          pending.push(store.finishRun({ runId, owner: "P", status, steps, now }));
          if (status === "failed") model.fail(runId);
        }
        if (e.prune) pending.push(store.pruneExpiredKeys(now, 3).then(() => undefined));
        if (e.operatorDelete) {
          // An expired key may or may not have been pruned yet, so only live and absent keys have a known count.
          const known = model.live(e.key, now) !== undefined || !model.keys.has(e.key);
          const removed = model.keys.delete(e.key) ? 1 : 0;
          const deleted = store.deleteDedupeKeys(scope, e.key);
          pending.push(deleted.then((n) => void (known && expect(n, `event ${i} delete`).toBe(removed))));
        }
        if (e.flush) await flush();
      }

      await flush();
      for (const key of KEYS) {
        const entry = model.live(key, now);
        const expected = entry && { scope, key, runId: entry.runId, firstSeenAt: entry.firstSeenAt, expiresAt: entry.expiresAt, releaseOnFailure: entry.releaseOnFailure };
        expect(await store.getDedupeKey(scope, key, now), `final state of ${key}`).toEqual(expected);
      }
    });

    const started = performance.now();
    await fc.assert(property, { numRuns: 10_000 });
    expect(sequence).toBeGreaterThanOrEqual(10_000);
    expect(restarts).toBeGreaterThan(300);
    console.log(`${sequence} sequences, ${restarts} restarts in ${Math.round(performance.now() - started)} ms`);
  }, 180_000); // ~7 s of CPU; the margin is for a machine busy with other work
});
