import path from "node:path";
import Database from "better-sqlite3";
import { firstStepKeySql, STEP_SPAN, stepsOfRunSql } from "../../../engine/store/sqlite/step-keys.ts";

export interface RunFacts {
  runId: string;
  status: string;
}

/** What the database says after a chaos or crash run (read-only; safe while the server runs). */
export interface DatabaseFacts {
  integrity: string;
  orphanSteps: number;
  runsByEvent: Map<string, RunFacts[]>;
  /** Per event id: how many runs took the dedupe node's `out` port. */
  dedupePassesByEvent: Map<string, number>;
  unfinished: number;
  /** Runs `running` whose lease is gone or expired: nobody is working on them. */
  stuck: number;
}

export function inspectDatabase(dataDir: string, now = Date.now(), dedupeNodeId = "d"): DatabaseFacts {
  const db = new Database(path.join(dataDir, "runnel.db"), { readonly: true, fileMustExist: true });
  try {
    const integrity = db.pragma("integrity_check", { simple: true }) as string;
    const orphanSteps = db.prepare(`SELECT count(*) FROM steps WHERE key / ${STEP_SPAN} NOT IN (SELECT num FROM runs)`).pluck().get() as number;
    const runsByEvent = new Map<string, RunFacts[]>();
    const rows = db
      .prepare(
        `SELECT r.id AS runId, r.status AS status, json_extract(s.outputs, '$.out[0].body.id') AS eventId
         FROM runs r JOIN steps s ON s.key = ${firstStepKeySql("r.num")} + 1`,
      )
      .all() as (RunFacts & { eventId: string })[];
    for (const { eventId, ...run } of rows) runsByEvent.set(eventId, [...(runsByEvent.get(eventId) ?? []), run]);
    const passes = db
      .prepare(
        `SELECT json_extract(t.outputs, '$.out[0].body.id') AS eventId, count(*) AS n
         FROM runs r JOIN steps d ON ${stepsOfRunSql("r.num", "d.key")} JOIN steps t ON t.key = ${firstStepKeySql("r.num")} + 1
         WHERE +d.node_id = ? AND json_array_length(d.outputs, '$.out') > 0 GROUP BY eventId`,
      )
      .all(dedupeNodeId) as { eventId: string; n: number }[];
    const unfinished = db.prepare("SELECT count(*) FROM runs WHERE status IN ('queued', 'running')").pluck().get() as number;
    const stuck = db
      .prepare("SELECT count(*) FROM runs WHERE status = 'running' AND (lease_until IS NULL OR lease_until < ?)")
      .pluck()
      .get(now) as number;
    return { integrity, orphanSteps, runsByEvent, dedupePassesByEvent: new Map(passes.map((p) => [p.eventId, p.n])), unfinished, stuck };
  } finally {
    db.close();
  }
}

/** Polls until no run is queued or running; returns how long that took. */
export function waitForDrain(dataDir: string, timeoutMs: number): Promise<number> {
  return waitForNone(dataDir, ["queued", "running"], timeoutMs);
}

/** Polls until no run is waiting in the queue (running ones may remain); returns how long that took. */
export function waitForEmptyQueue(dataDir: string, timeoutMs: number): Promise<number> {
  return waitForNone(dataDir, ["queued"], timeoutMs);
}

async function waitForNone(dataDir: string, statuses: string[], timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const db = new Database(path.join(dataDir, "runnel.db"), { readonly: true, fileMustExist: true });
    const left = db.prepare(`SELECT count(*) FROM runs WHERE status IN (${statuses.map(() => "?").join(", ")})`).pluck().get(...statuses) as number;
    db.close();
    if (left === 0) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`${left} runs still ${statuses.join(" or ")} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
