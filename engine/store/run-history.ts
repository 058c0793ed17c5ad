import { RUN_STATUSES } from "../model/index.ts";
import { EngineError } from "../errors.ts";
import type { RunCounts, RunPage } from "./types.ts";

/**
 * Where a page of the run listing ended: runs are ordered newest first by createdAt, ties broken by
 * `id`: the run id in PostgreSQL, the run's row number in SQLite (its history indexes' order).
 */
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

/**
 * One page from the newest-first rows of a listing query that asked for `limit + 1` rows: the
 * extra row says a next page exists; `scanEnd` continues a budgeted text scan that ran out.
 */
export function runPage<R extends { created_at: number; id: string }>(
  rows: R[],
  limit: number,
  scanEnd: RunCursor | undefined,
  toRun: (row: R) => RunPage["runs"][number],
  tieOf: (row: R) => string = (row) => row.id,
): RunPage {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  let nextCursor: string | null = null;
  if (rows.length > limit && last) nextCursor = encodeRunCursor({ createdAt: last.created_at, id: tieOf(last) });
  else if (scanEnd) nextCursor = encodeRunCursor(scanEnd);
  return { runs: page.map(toRun), nextCursor };
}

/** `Store.countRuns` from (flow, status, n) rows; a flow asked for is there even with no runs. */
export function countsFromRows(rows: { flow_id: string; status: string; n: number }[], flowId?: string): Record<string, RunCounts> {
  const counts: Record<string, RunCounts> = {};
  if (flowId !== undefined) counts[flowId] = emptyCounts();
  for (const row of rows) {
    const forFlow = (counts[row.flow_id] ??= emptyCounts());
    if (row.status in forFlow) forFlow[row.status as keyof RunCounts] = row.n;
  }
  return counts;
}
