import type { Clock } from "../runtime/clock.ts";
import type { DedupeClaim, DedupeKeyState, DedupeOutcome, Store } from "../store/types.ts";

/** What dedupe nodes and the operator API use; backed by the store's unique scope+key. */
export interface DedupeService {
  /**
   * `holdEffects` receives the claim's commit when the store decides before committing (SQLite):
   * the caller must not let anything leave the process before it settles.
   */
  claim(claim: DedupeClaim, holdEffects?: (durable: Promise<unknown>) => void): Promise<DedupeOutcome>;
  /** The key's state if it is live now. */
  inspect(scope: string, key: string): Promise<DedupeKeyState | undefined>;
  /** Forgets one key, or a whole scope; returns how many keys went. */
  clear(scope: string, key?: string): Promise<number>;
}

export function createDedupeService(store: Store, clock: Clock): DedupeService {
  return {
    claim: (claim, holdEffects) => {
      if (!holdEffects || !store.claimDedupeKeyEarly) return store.claimDedupeKey(claim);
      const { outcome, durable } = store.claimDedupeKeyEarly(claim);
      holdEffects(durable);
      return outcome;
    },
    inspect: (scope, key) => store.getDedupeKey(scope, key, clock.now()),
    clear: (scope, key) => store.deleteDedupeKeys(scope, key),
  };
}
