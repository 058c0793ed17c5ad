import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "../../engine/index.ts";
import { newId } from "../../engine/ids.ts";
import { flow } from "../helpers/flows.ts";
import type { StoreFactory } from "./store-contract.ts";

const T0 = Date.UTC(2026, 0, 1);

/** Keys come from user data: a NUL or a backslash in one must neither fail a step nor merge two keys. */
export function awkwardTextContract(name: string, factory: StoreFactory) {
  describe(`Store contract, awkward text: ${name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ store, cleanup } = await factory.create());
    });
    afterEach(async () => cleanup());

    it("keeps dedupe and idempotency keys with NUL and backslashes distinct and usable", async () => {
      const keys = ["a\u0000b", "a\\0b", "a\\\\0b", "a\\b", "ab"];
      const claim = (key: string, runId: string) => store.claimDedupeKey({ scope: "s\u0000", key, runId, now: T0, expiresAt: null });
      for (const [i, key] of keys.entries()) expect(await claim(key, `r${i}`)).toEqual({ first: true });
      expect(await claim("a\u0000b", "other")).toEqual({ first: false, firstRunId: "r0", firstSeenAt: T0 });
      expect((await store.getDedupeKey("s\u0000", "a\\0b", T0))?.runId).toBe("r1");
      expect(await store.deleteDedupeKeys("s\u0000", "a\u0000b")).toBe(1);
      expect((await store.getDedupeKey("s\u0000", "a\\0b", T0))?.runId).toBe("r1");

      const f = await store.createFlow(flow("F", [{ id: "w", type: "webhook", config: { path: "x" } }], []), T0);
      const enqueue = () =>
        store.enqueueRun({
          id: newId("run", T0), flowId: f.id, flowVersion: 1, triggerNodeId: "w", triggerType: "webhook",
          message: { text: "nul \u0000 inside" }, frontier: [], now: T0,
          idempotency: { scope: "hook\u0000", key: "k\u0000", expiresAt: T0 + 1000 },
        });
      const first = await enqueue();
      expect(await enqueue()).toEqual({ runId: first.runId, replayed: true });
      expect(await store.getRunMessage(first.runId)).toEqual({ text: "nul \u0000 inside" });
      // A search for NUL is answered, not an error, and matches nothing: stored JSON escapes NUL, and
      // PostgreSQL once cut the pattern at it and so matched every run.
      await expect(store.listRuns({ limit: 10, text: "\u0000" })).resolves.toEqual({ runs: [], nextCursor: null });
    });
  });
}
