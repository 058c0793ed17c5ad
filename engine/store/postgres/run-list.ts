import { parseRunCursor } from "../run-history.ts";
import type pg from "pg";
import type { RunQuery } from "../types.ts";

/** The filtered, cursor-paged run listing (one extra row tells whether a next page exists). */
export function listRunsQuery(query: RunQuery): pg.QueryConfig {
  const where: string[] = [];
  const values: unknown[] = [];
  const param = (value: unknown) => `$${values.push(value)}`;
  if (query.flowId !== undefined) where.push(`r.flow_id = ${param(query.flowId)}`);
  if (query.status !== undefined) where.push(`r.status = ${param(query.status)}`);
  if (query.triggerType !== undefined) where.push(`r.trigger_type = ${param(query.triggerType)}`);
  if (query.since !== undefined) where.push(`r.created_at >= ${param(query.since)}`);
  if (query.until !== undefined) where.push(`r.created_at < ${param(query.until)}`);
  if (query.cursor !== undefined) {
    const cursor = parseRunCursor(query.cursor);
    where.push(`(r.created_at, r.id) < (${param(cursor.createdAt)}, ${param(cursor.id)})`);
  }
  // Stored JSON escapes NUL, so a search for one matches nothing (and PostgreSQL text refuses it).
  if (query.text?.includes("\0")) where.push("false");
  else if (query.text !== undefined && query.text !== "") {
    where.push(`EXISTS (SELECT 1 FROM steps s WHERE s.run_id = r.id AND s.seq = 1 AND strpos(lower(s.outputs), lower(${param(query.text)})) > 0)`);
  }
  const text = `SELECT r.*, f.name AS flow_name FROM runs r LEFT JOIN flows f ON f.id = r.flow_id
    ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY r.created_at DESC, r.id DESC LIMIT ${param(query.limit + 1)}`;
  return { text, values };
}
