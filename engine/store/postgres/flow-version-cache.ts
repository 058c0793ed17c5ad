import type { FlowDocument } from "../../model/index.ts";
import { flowFromRow } from "../sqlite/rows.ts";

const MAX_ENTRIES = 500;

/**
 * Saved flow versions are immutable, so a process may keep them: this spares a round trip per
 * webhook and per claimed run. Callers get a fresh copy each time, as from the database.
 */
export class FlowVersionCache {
  private readonly docs = new Map<string, string>();

  get(id: string, version: number): FlowDocument | undefined {
    const key = `${id}@${version}`;
    const doc = this.docs.get(key);
    if (doc === undefined) return undefined;
    this.docs.delete(key);
    this.docs.set(key, doc); // most recently used last
    return flowFromRow(doc, {});
  }

  put(id: string, version: number, doc: string): FlowDocument {
    this.docs.set(`${id}@${version}`, doc);
    if (this.docs.size > MAX_ENTRIES) this.docs.delete(this.docs.keys().next().value!);
    return flowFromRow(doc, {});
  }
}
