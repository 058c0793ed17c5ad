import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../engine/index.ts";
import { KeyPruner } from "../../engine/runtime/key-pruner.ts";
import { FakeClock } from "../helpers/fake-clock.ts";
import { engineHarness } from "../helpers/engine-harness.ts";
import { tempSqliteStore } from "../helpers/temp-store.ts";

const T0 = Date.UTC(2026, 0, 1);

describe("pruning expired keys", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it("deletes expired keys in small batches while other writes keep committing in between", async () => {
    const temp = tempSqliteStore();
    cleanups.push(() => temp.cleanup());
    const { store } = temp;
    const expired = 5_000;
    await Promise.all(
      Array.from({ length: expired }, (_, i) => store.claimDedupeKey({ scope: "s", key: `old-${i}`, runId: `r${i}`, now: T0, expiresAt: T0 + 1 })),
    );
    await store.claimDedupeKey({ scope: "s", key: "live", runId: "live", now: T0, expiresAt: T0 + 10_000 });
    const clock = new FakeClock(T0 + 5_000);
    const pruner = new KeyPruner(store, clock, silentLogger, { intervalMs: 60_000, batchSize: 250, maxBatchesPerTick: 1_000 });

    const batchesBefore = store.writes.batches;
    let pruneDone = false;
    const pruning = pruner.tick().then((n) => ((pruneDone = true), n));
    // A claim issued while pruning runs commits long before the whole prune is through.
    const claim = await store.claimDedupeKey({ scope: "s", key: "new", runId: "n", now: T0 + 5_000, expiresAt: T0 + 9_000 });
    expect(claim.first).toBe(true);
    expect(pruneDone).toBe(false);
    expect(await pruning).toBe(expired);
    expect(store.writes.batches - batchesBefore).toBeGreaterThanOrEqual(expired / 250);
    expect(await store.getDedupeKey("s", "live", clock.now())).toMatchObject({ runId: "live" });
    expect(await store.getDedupeKey("s", "new", clock.now())).toMatchObject({ runId: "n" });
    expect(await store.deleteDedupeKeys("s")).toBe(2);
  });

  it("runs on the engine's timer with the injected clock deciding what has expired", async () => {
    const clock = new FakeClock(T0);
    const h = await engineHarness({ fakeClock: clock, engine: { keyPruning: { intervalMs: 20, batchSize: 10 } } });
    cleanups.push(() => h.close());
    for (let i = 0; i < 25; i++) await h.store.claimDedupeKey({ scope: "t", key: `k${i}`, runId: `r${i}`, now: T0, expiresAt: T0 + 1_000 });
    await h.store.claimDedupeKey({ scope: "t", key: "forever", runId: "f", now: T0, expiresAt: null });
    const remaining = () => h.store.db.prepare("SELECT count(*) AS n FROM dedupe_keys WHERE scope = 't'").get() as { n: number };

    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(remaining().n).toBe(26); // nothing has expired by the fake clock yet
    await clock.advance(1_000);
    const deadline = Date.now() + 5_000;
    while (remaining().n > 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(remaining().n).toBe(1);
  });
});
