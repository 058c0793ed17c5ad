import type Database from "better-sqlite3";
import { EngineError } from "../../errors.ts";
import { countsFromRows, parseRunCursor, type RunCursor, runPage } from "../run-history.ts";
import type { RunCounts, RunPage, RunQuery } from "../types.ts";
import { runFromRow, type RunRow } from "./rows.ts";
import { firstStepKeySql } from "./step-keys.ts";

/** Runs one text-filtered page may examine: SQLite answers on the event loop, so a search must not stall it. */
export const DEFAULT_TEXT_SCAN_BUDGET = 10_000;

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
    private readonly textScanBudget = DEFAULT_TEXT_SCAN_BUDGET,
  ) {
    this.countAll = db.prepare("SELECT flow_id, status, n FROM run_counts WHERE n > 0");
    this.countFlow = db.prepare("SELECT flow_id, status, n FROM run_counts WHERE flow_id = ? AND n > 0");
  }

  /**
   * Every filter but the text one is an index range. The text filter reads each candidate's
   * trigger message, so a page examines at most `textScanBudget` candidates: it may then hold
   * fewer than `limit` runs, with a nextCursor that resumes the search where it stopped.
   */
  list(query: RunQuery): RunPage {
    const indexed = indexedConditions(query);
    const main: Conditions = { where: [...indexed.where], params: [...indexed.params] };
    let scanEnd: RunCursor | undefined;
    // Stored JSON escapes NUL, so a search for one matches nothing (and SQLite would cut the pattern there).
    if (query.text?.includes("\0")) return { runs: [], nextCursor: null };
    if (query.text) {
      scanEnd = this.scanBoundary(indexed);
      if (scanEnd) {
        main.where.push("(r.created_at, r.num) >= (?, ?)");
        main.params.push(scanEnd.createdAt, runNumOf(scanEnd));
      }
      main.where.push(`EXISTS (SELECT 1 FROM steps s WHERE s.key = ${firstStepKeySql("r.num")} + 1 AND s.outputs LIKE ? ESCAPE '\\')`);
      main.params.push(`%${escapeLike(query.text)}%`);
    }
    const sql = `SELECT r.*, f.name AS flow_name FROM runs r LEFT JOIN flows f ON f.id = r.flow_id
      ${whereClause(main)} ORDER BY r.created_at DESC, r.num DESC LIMIT ?`;
    const rows = this.prepared(sql).all(...main.params, query.limit + 1) as (RunRow & { num: number })[];
    return runPage(rows, query.limit, scanEnd, runFromRow, (row) => String(row.num));
  }

  counts(flowId?: string): Record<string, RunCounts> {
    const rows = (flowId === undefined ? this.countAll.all() : this.countFlow.all(flowId)) as { flow_id: string; status: string; n: number }[];
    return countsFromRows(rows, flowId);
  }

  /** The last run a budgeted scan may examine, or undefined when fewer candidates remain. */
  private scanBoundary(indexed: Conditions): RunCursor | undefined {
    const sql = `SELECT r.created_at, r.num FROM runs r ${whereClause(indexed)}
      ORDER BY r.created_at DESC, r.num DESC LIMIT 1 OFFSET ?`;
    const row = this.prepared(sql).get(...indexed.params, this.textScanBudget - 1) as { created_at: number; num: number } | undefined;
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

function indexedConditions(query: RunQuery): Conditions {
  const c: Conditions = { where: [], params: [] };
  const add = (condition: string, ...values: unknown[]) => {
    c.where.push(condition);
    c.params.push(...values);
  };
  if (query.flowId !== undefined) add("r.flow_id = ?", query.flowId);
  if (query.status !== undefined) add("r.status = ?", query.status);
  if (query.triggerType !== undefined) add("r.trigger_type = ?", query.triggerType);
  if (query.since !== undefined) add("r.created_at >= ?", query.since);
  if (query.until !== undefined) add("r.created_at < ?", query.until);
  if (query.cursor !== undefined) {
    const cursor = parseRunCursor(query.cursor);
    add("(r.created_at, r.num) < (?, ?)", cursor.createdAt, runNumOf(cursor));
  }
  return c;
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
