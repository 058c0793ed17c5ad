import { RUN_STATUSES } from "../model/index.ts";
import { EngineError } from "../errors.ts";
import type { RunCounts } from "./types.ts";

/** Where a page of the run listing ended: runs are ordered newest first by (createdAt, id). */
export interface RunCursor {
  createdAt: number;
  id: string;
}

/** The opaque `nextCursor` of `GET /api/runs`; clients pass it back unchanged. */
export function encodeRunCursor(cursor: RunCursor): string {
  return `${cursor.createdAt}:${cursor.id}`;
}

export function decodeRunCursor(text: string): RunCursor | undefined {
  const colon = text.indexOf(":");
  if (colon <= 0 || colon === text.length - 1) return undefined;
  const createdAt = Number(text.slice(0, colon));
  if (!Number.isSafeInteger(createdAt)) return undefined;
  return { createdAt, id: text.slice(colon + 1) };
}

export function parseRunCursor(text: string): RunCursor {
  const cursor = decodeRunCursor(text);
  if (!cursor) throw new EngineError("INVALID_CURSOR", "cursor is not one this server handed out; start again from the first page");
  return cursor;
}

/** Counts with every status present, as `Store.countRuns` returns them. */
export function emptyCounts(): RunCounts {
  return Object.fromEntries(RUN_STATUSES.map((status) => [status, 0])) as RunCounts;
}
