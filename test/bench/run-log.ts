/** What the server durably logged during a load window, read from its SQLite file (read-only, WAL). */
import Database from "better-sqlite3";
import { existsSync, readFileSync, statSync } from "node:fs";
import { percentile, sleep } from "./load.ts";
import { firstStepKeySql, stepsOfRunSql } from "../../engine/store/sqlite/step-keys.ts";

export interface LoggedRuns {
  runs: number;
  finished: number;
  /** Finished runs per second, from the start of the window to the last finish. */
  runsPerSec: number;
  lagP50Ms: number;
  lagP99Ms: number;
  /** Pipeline only: messages the dedupe node let through, and how many of those were repeats. */
  passedDedupe?: number;
  repeatsPassed?: number;
}

export class RunLog {
  private readonly db: Database.Database;

  constructor(readonly filename: string) {
    this.db = new Database(filename, { readonly: true, fileMustExist: true });
    this.db.pragma("busy_timeout = 5000");
  }

  /** Waits (bounded) until every run the flow created since `since` has finished. */
  async drain(flowId: string, since: number, timeoutMs = 120_000): Promise<boolean> {
    const pending = this.db.prepare("SELECT count(*) AS n FROM runs WHERE flow_id = ? AND created_at >= ? AND finished_at IS NULL");
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((pending.get(flowId, since) as { n: number }).n === 0) return true;
      await sleep(100);
    }
    return false;
  }

  window(flowId: string, from: number, to: number): LoggedRuns {
    const rows = this.db
      .prepare("SELECT created_at AS c, finished_at AS f FROM runs WHERE flow_id = ? AND created_at >= ? AND created_at < ?")
      .all(flowId, from, to) as { c: number; f: number | null }[];
    const lags = rows.filter((r) => r.f !== null).map((r) => r.f! - r.c).sort((a, b) => a - b);
    const lastFinish = rows.reduce((max, r) => Math.max(max, r.f ?? 0), from);
    const result: LoggedRuns = {
      runs: rows.length,
      finished: lags.length,
      runsPerSec: Math.round(lags.length / Math.max(0.001, (lastFinish - from) / 1000)),
      lagP50Ms: percentile(lags, 50),
      lagP99Ms: percentile(lags, 99),
    };
    const passed = this.db
      // The id comes from the trigger's message: the dedupe step stores what it passes on only
      // as a reference to its input (steps.passed).
      .prepare(`SELECT count(*) AS n, count(DISTINCT json_extract(t.outputs, '$.out[0].body.id')) AS ids FROM runs r
        JOIN steps s ON ${stepsOfRunSql("r.num", "s.key")} JOIN steps t ON t.key = ${firstStepKeySql("r.num")} + 1
        WHERE r.flow_id = ? AND r.created_at >= ? AND r.created_at < ?
        AND +s.node_id = 'dedupe' AND json_extract(s.outputs, '$.out') IS NOT NULL`)
      .get(flowId, from, to) as { n: number; ids: number };
    if (passed.n > 0) Object.assign(result, { passedDedupe: passed.n, repeatsPassed: passed.n - passed.ids });
    return result;
  }

  count(): number {
    return (this.db.prepare("SELECT count(*) AS n FROM runs").get() as { n: number }).n;
  }

  close(): void {
    this.db.close();
  }
}

export function fileBytes(filename: string): number {
  return existsSync(filename) ? statSync(filename).size : 0;
}

/** Resident set size of a process in bytes (Linux /proc). */
export function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) * 1024 : NaN;
}

/** CPU time (user + system) a process has used so far, in ms (Linux /proc; clock ticks of 10 ms). */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Samples a process's RSS every `everyMs` until stopped; returns the largest value seen. */
export function rssSampler(pid: number, everyMs = 250): { stop(): number } {
  let max = 0;
  const timer = setInterval(() => {
    try {
      max = Math.max(max, rssBytes(pid));
    } catch {
      // the process is gone
    }
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return max;
    },
  };
}
