import type Database from "better-sqlite3";
import { EngineError } from "../../errors.ts";
import { countsFromRows, parseRunCursor, type RunCursor, runPage } from "../run-history.ts";
import type { RunCounts, RunPage, RunQuery } from "../types.ts";
import { runFromRow, type RunRow } from "./rows.ts";
import { firstStepKeySql } from "./step-keys.ts";

/**
 * Runs one page may examine when a filter is checked run by run (text, or a status or trigger
 * type no index holds): SQLite answers on the event loop, so a listing must not stall it.
 */
export const DEFAULT_SCAN_BUDGET = 10_000;

/**
 * What the history indexes leave out (migration 9): by far the most runs a store holds, and the
 * runs a webhook writes on its hot path. A filter for either is checked along the time order.
 */
const UNINDEXED_STATUS = "succeeded";
const UNINDEXED_TRIGGER = "webhook";

type Conditions = { where: string[]; params: unknown[] };

/**
 * The run history reads: the filtered, cursor-paged listing and the counts per flow and status.
 * Each filter combination is one statement, prepared once.
 */
export class RunQueries {
  private readonly statements = new Map<string, Database.Statement>();
  private readonly countAll: Database.Statement;
  private readonly countFlow: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly scanBudget = DEFAULT_SCAN_BUDGET,
  ) {
    this.countAll = db.prepare("SELECT flow_id, status, n FROM run_counts WHERE n > 0");
    this.countFlow = db.prepare("SELECT flow_id, status, n FROM run_counts WHERE flow_id = ? AND n > 0");
  }

  /**
   * Filters on the flow, the time and a status or trigger type the indexes hold are index ranges.
   * The others (the text, a `succeeded` status, a `webhook` trigger) are checked run by run, so a
   * page then examines at most `scanBudget` candidates: it may hold fewer than `limit` runs, with a
   * nextCursor that resumes the search where it stopped.
   */
  list(query: RunQuery): RunPage {
    // Stored JSON escapes NUL, so a search for one matches nothing (and SQLite would cut the pattern there).
    if (query.text?.includes("\0")) return { runs: [], nextCursor: null };
    const { indexed, checked } = conditionsOf(query);
    const scanEnd = checked.where.length > 0 ? this.scanBoundary(indexed) : undefined;
    const { sql, params } = listingSql(indexed, checked, scanEnd);
    const rows = this.prepared(sql).all(...params, query.limit + 1) as (RunRow & { num: number })[];
    return runPage(rows, query.limit, scanEnd, runFromRow, (row) => String(row.num));
  }

  /** SQLite's query plan for each statement a listing runs (which index it reads), one line each. */
  plan(query: RunQuery): string[] {
    const { indexed, checked } = conditionsOf(query);
    const scanned = checked.where.length > 0;
    const statements = [listingSql(indexed, checked, scanned ? { createdAt: 0, id: "0" } : undefined)];
    if (scanned) statements.push(boundarySql(indexed));
    return statements.map(({ sql, params }) => {
      const rows = this.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params, 1) as { detail: string }[];
      return rows.map((row) => row.detail).join(" | ");
    });
  }

  counts(flowId?: string): Record<string, RunCounts> {
    const rows = (flowId === undefined ? this.countAll.all() : this.countFlow.all(flowId)) as { flow_id: string; status: string; n: number }[];
    return countsFromRows(rows, flowId);
  }

  /** The last run a budgeted scan may examine, or undefined when fewer candidates remain. */
  private scanBoundary(indexed: Conditions): RunCursor | undefined {
    const { sql, params } = boundarySql(indexed);
    const row = this.prepared(sql).get(...params, this.scanBudget - 1) as { created_at: number; num: number } | undefined;
    return row && { createdAt: row.created_at, id: String(row.num) };
  }

  private prepared(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

/** The conditions an index answers, and those checked run by run (see `list`). */
function conditionsOf(query: RunQuery): { indexed: Conditions; checked: Conditions } {
  const indexed: Conditions = { where: [], params: [] };
  const checked: Conditions = { where: [], params: [] };
  const add = (to: Conditions, condition: string, ...values: unknown[]) => {
    to.where.push(condition);
    to.params.push(...values);
  };
  if (query.flowId !== undefined) add(indexed, "r.flow_id = ?", query.flowId);
  // The partial indexes serve a query only when its WHERE implies theirs, hence the second term.
  if (query.status === UNINDEXED_STATUS) add(checked, "r.status = ?", query.status);
  else if (query.status !== undefined) add(indexed, `r.status = ? AND r.status <> '${UNINDEXED_STATUS}'`, query.status);
  if (query.triggerType === UNINDEXED_TRIGGER) add(checked, "r.trigger_type = ?", query.triggerType);
  else if (query.triggerType !== undefined) add(indexed, `r.trigger_type = ? AND r.trigger_type <> '${UNINDEXED_TRIGGER}'`, query.triggerType);
  if (query.since !== undefined) add(indexed, "r.created_at >= ?", query.since);
  if (query.until !== undefined) add(indexed, "r.created_at < ?", query.until);
  if (query.cursor !== undefined) {
    const cursor = parseRunCursor(query.cursor);
    add(indexed, "(r.created_at, r.num) < (?, ?)", cursor.createdAt, runNumOf(cursor));
  }
  if (query.text) {
    add(
      checked,
      `EXISTS (SELECT 1 FROM steps s WHERE s.key = ${firstStepKeySql("r.num")} + 1 AND s.outputs LIKE ? ESCAPE '\\')`,
      `%${escapeLike(query.text)}%`,
    );
  }
  return { indexed, checked };
}

/** The page's statement (its last parameter, the row limit, left out); `scanEnd` bounds a budgeted scan. */
function listingSql(indexed: Conditions, checked: Conditions, scanEnd: RunCursor | undefined): { sql: string; params: unknown[] } {
  const where = [...indexed.where];
  const params = [...indexed.params];
  if (scanEnd) {
    where.push("(r.created_at, r.num) >= (?, ?)");
    params.push(scanEnd.createdAt, runNumOf(scanEnd));
  }
  where.push(...checked.where);
  params.push(...checked.params);
  const sql = `SELECT r.*, f.name AS flow_name FROM runs r LEFT JOIN flows f ON f.id = r.flow_id
    ${whereClause({ where, params })} ORDER BY r.created_at DESC, r.num DESC LIMIT ?`;
  return { sql, params };
}

/** The statement finding the last candidate a budgeted scan examines (its last parameter, the offset, left out). */
function boundarySql(indexed: Conditions): { sql: string; params: unknown[] } {
  const sql = `SELECT r.created_at, r.num FROM runs r ${whereClause(indexed)}
    ORDER BY r.created_at DESC, r.num DESC LIMIT 1 OFFSET ?`;
  return { sql, params: indexed.params };
}

function whereClause(c: Conditions): string {
  return c.where.length ? `WHERE ${c.where.join(" AND ")}` : "";
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}

/** SQLite's cursors name a run by its row number (the tie-break of the history indexes). */
function runNumOf(cursor: RunCursor): number {
  const num = Number(cursor.id);
  if (!Number.isSafeInteger(num) || String(num) !== cursor.id) {
    throw new EngineError("INVALID_CURSOR", "cursor is not one this server handed out; start again from the first page");
  }
  return num;
}
