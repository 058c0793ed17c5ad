import type pg from "pg";
import { countsFromRows, parseRunCursor, type RunCursor, runPage } from "../run-history.ts";
import { runFromRow, type RunRow } from "../sqlite/rows.ts";
import type { RunCounts, RunPage, RunQuery } from "../types.ts";

/** Runs one text-filtered page may examine, as on SQLite: a search is bounded work per request. */
export const TEXT_SCAN_BUDGET = 10_000;

/** WHERE conditions with their `$n` parameters. */
class Conditions {
  readonly where: string[] = [];
  readonly values: unknown[] = [];

  add(condition: (...params: string[]) => string, ...values: unknown[]): void {
    const params = values.map((value) => `$${this.values.push(value)}`);
    this.where.push(condition(...params));
  }

  clone(): Conditions {
    const copy = new Conditions();
    copy.where.push(...this.where);
    copy.values.push(...this.values);
    return copy;
  }

  get clause(): string {
    return this.where.length ? `WHERE ${this.where.join(" AND ")}` : "";
  }
}

/**
 * The run history reads on PostgreSQL, with the semantics of the SQLite store: newest first by
 * (created_at, id), index-range filters, a text filter that examines at most TEXT_SCAN_BUDGET
 * candidates per page (a short page then carries a cursor that resumes the search), and counts
 * summed from the sharded run_counts table.
 */
export class PgRunQueries {
  constructor(private readonly pool: pg.Pool) {}

  async list(query: RunQuery): Promise<RunPage> {
    const indexed = indexedConditions(query);
    const main = indexed.clone();
    let scanEnd: RunCursor | undefined;
    if (query.text) {
      scanEnd = await this.scanBoundary(indexed);
      if (scanEnd) main.add((c, i) => `(r.created_at, r.id) >= (${c}, ${i})`, scanEnd.createdAt, scanEnd.id);
      // Stored JSON escapes NUL, so a search for one matches nothing (and PostgreSQL text refuses it).
      if (query.text.includes("\0")) main.where.push("false");
      // ASCII-only case folding, as SQLite's LIKE does.
      else main.add((p) => `EXISTS (SELECT 1 FROM steps s WHERE s.run_id = r.id AND s.seq = 1 AND s.outputs COLLATE "C" ILIKE ${p} ESCAPE '\\')`, `%${escapeLike(query.text)}%`);
    }
    const limit = `$${main.values.push(query.limit + 1)}`;
    const text = `SELECT r.*, f.name AS flow_name FROM runs r LEFT JOIN flows f ON f.id = r.flow_id
      ${main.clause} ORDER BY r.created_at DESC, r.id DESC LIMIT ${limit}`;
    const { rows } = await this.pool.query<RunRow>({ text, values: main.values });
    return runPage(rows, query.limit, scanEnd, runFromRow);
  }

  async counts(flowId?: string): Promise<Record<string, RunCounts>> {
    const where = flowId === undefined ? "" : "WHERE flow_id = $1";
    const { rows } = await this.pool.query<{ flow_id: string; status: string; n: number }>({
      text: `SELECT flow_id, status, sum(n)::int8 AS n FROM run_counts ${where} GROUP BY flow_id, status HAVING sum(n) > 0`,
      values: flowId === undefined ? [] : [flowId],
    });
    return countsFromRows(rows, flowId);
  }

  /** The last run a budgeted scan may examine, or undefined when fewer candidates remain. */
  private async scanBoundary(indexed: Conditions): Promise<RunCursor | undefined> {
    const text = `SELECT r.created_at, r.id FROM runs r ${indexed.clause}
      ORDER BY r.created_at DESC, r.id DESC LIMIT 1 OFFSET ${TEXT_SCAN_BUDGET - 1}`;
    const row = (await this.pool.query<{ created_at: number; id: string }>({ text, values: indexed.values })).rows[0];
    return row && { createdAt: row.created_at, id: row.id };
  }
}

function indexedConditions(query: RunQuery): Conditions {
  const c = new Conditions();
  if (query.flowId !== undefined) c.add((p) => `r.flow_id = ${p}`, query.flowId);
  if (query.status !== undefined) c.add((p) => `r.status = ${p}`, query.status);
  if (query.triggerType !== undefined) c.add((p) => `r.trigger_type = ${p}`, query.triggerType);
  if (query.since !== undefined) c.add((p) => `r.created_at >= ${p}`, query.since);
  if (query.until !== undefined) c.add((p) => `r.created_at < ${p}`, query.until);
  if (query.cursor !== undefined) {
    const cursor = parseRunCursor(query.cursor);
    c.add((t, i) => `(r.created_at, r.id) < (${t}, ${i})`, cursor.createdAt, cursor.id);
  }
  return c;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}
