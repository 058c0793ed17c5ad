import type pg from "pg";
import { RUN_STATUSES, type RunStatus } from "../../model/index.ts";
import { emptyCounts } from "../run-history.ts";
import type { PruneRule, RunCounts } from "../types.ts";

const FINISHED = "status IN ('succeeded', 'failed', 'canceled')";

/** Runs per status per flow (a grouped index scan; SQLite keeps a trigger-maintained table instead). */
export async function countRuns(pool: pg.Pool, flowId?: string): Promise<Record<string, RunCounts>> {
  const { rows } = await pool.query<{ flow_id: string; status: string; n: string }>(
    flowId === undefined
      ? "SELECT flow_id, status, count(*) AS n FROM runs GROUP BY flow_id, status"
      : { text: "SELECT flow_id, status, count(*) AS n FROM runs WHERE flow_id = $1 GROUP BY flow_id, status", values: [flowId] },
  );
  const counts: Record<string, RunCounts> = {};
  if (flowId !== undefined) counts[flowId] = emptyCounts();
  for (const row of rows) {
    if (!(RUN_STATUSES as readonly string[]).includes(row.status)) continue;
    (counts[row.flow_id] ??= emptyCounts())[row.status as RunStatus] = Number(row.n);
  }
  return counts;
}

/** Deletes one batch of finished runs matching the rule, steps first, in one transaction. */
export async function pruneRuns(pool: pg.Pool, rule: PruneRule, limit: number): Promise<number> {
  const select =
    "createdBefore" in rule
      ? { text: `SELECT id FROM runs WHERE created_at < $1 AND ${FINISHED} ORDER BY created_at, id LIMIT $2`, values: [rule.createdBefore, limit] }
      : {
          text: `SELECT id FROM runs WHERE flow_id = $1 AND ${FINISHED} AND (created_at, id) <= (
                   SELECT created_at, id FROM runs WHERE flow_id = $1 ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT 1)
                 ORDER BY created_at, id LIMIT $3`,
          values: [rule.flowId, rule.keepNewest, limit],
        };
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const ids = (await client.query<{ id: string }>({ ...select, text: `${select.text} FOR UPDATE SKIP LOCKED` })).rows.map((r) => r.id);
    if (ids.length > 0) {
      await client.query("DELETE FROM steps WHERE run_id = ANY($1)", [ids]);
      await client.query("DELETE FROM runs WHERE id = ANY($1)", [ids]);
    }
    await client.query("COMMIT");
    return ids.length;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

export async function flowIdsWithRuns(pool: pg.Pool, after: string | undefined, limit: number): Promise<string[]> {
  const { rows } = await pool.query<{ flow_id: string }>("SELECT DISTINCT flow_id FROM runs WHERE flow_id > $1 ORDER BY flow_id LIMIT $2", [after ?? "", limit]);
  return rows.map((r) => r.flow_id);
}
