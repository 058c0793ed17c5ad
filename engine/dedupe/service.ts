import type { Clock } from "../runtime/clock.ts";
import type { DedupeClaim, DedupeKeyState, DedupeOutcome, Store } from "../store/types.ts";

/** What dedupe nodes and the operator API use; backed by the store's unique scope+key. */
export interface DedupeService {
  claim(claim: DedupeClaim): Promise<DedupeOutcome>;
  /** The key's state if it is live now. */
  inspect(scope: string, key: string): Promise<DedupeKeyState | undefined>;
  /** Forgets one key, or a whole scope; returns how many keys went. */
  clear(scope: string, key?: string): Promise<number>;
}

export function createDedupeService(store: Store, clock: Clock): DedupeService {
  return {
    claim: (claim) => store.claimDedupeKey(claim),
    inspect: (scope, key) => store.getDedupeKey(scope, key, clock.now()),
    clear: (scope, key) => store.deleteDedupeKeys(scope, key),
  };
}
