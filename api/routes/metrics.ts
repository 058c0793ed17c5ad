import { Hono } from "hono";
import { expressionCacheStats } from "../../engine/index.ts";
import type { AppDeps } from "../app.ts";

/** Prometheus text format: run and step counters from the event bus, plus process figures. */
export function metricsRoutes(deps: AppDeps) {
  const runsFinished = new Map<string, number>();
  let runsQueued = 0;
  let stepsFinished = 0;
  deps.engine.events.on((event) => {
    if (event.type === "run.queued") runsQueued++;
    else if (event.type === "step.finished") stepsFinished++;
    else if (event.type === "run.finished") runsFinished.set(event.status, (runsFinished.get(event.status) ?? 0) + 1);
  });
  return new Hono().get("/", (c) => {
    const memory = process.memoryUsage();
    const cache = expressionCacheStats();
    const writes = deps.engine.store.writeStats?.();
    const lines = [
      "# TYPE runnel_runs_queued_total counter",
      `runnel_runs_queued_total ${runsQueued}`,
      "# TYPE runnel_runs_finished_total counter",
      ...[...runsFinished].map(([status, n]) => `runnel_runs_finished_total{status="${status}"} ${n}`),
      "# TYPE runnel_steps_finished_total counter",
      `runnel_steps_finished_total ${stepsFinished}`,
      "# TYPE runnel_worker_active_runs gauge",
      `runnel_worker_active_runs ${deps.engine.worker?.activeCount ?? 0}`,
      "# TYPE runnel_expression_cache_hits_total counter",
      `runnel_expression_cache_hits_total ${cache.hits}`,
      "# TYPE runnel_expression_cache_misses_total counter",
      `runnel_expression_cache_misses_total ${cache.misses}`,
      ...(writes
        ? [
            "# TYPE runnel_store_commits_total counter",
            `runnel_store_commits_total ${writes.commits}`,
            "# TYPE runnel_store_writes_total counter",
            `runnel_store_writes_total ${writes.writes}`,
            // SQLite: the WAL syncs made after commits, off the event loop (one may cover several commits).
            ...(writes.syncs === undefined ? [] : ["# TYPE runnel_store_syncs_total counter", `runnel_store_syncs_total ${writes.syncs}`]),
          ]
        : []),
      "# TYPE process_resident_memory_bytes gauge",
      `process_resident_memory_bytes ${memory.rss}`,
      "# TYPE nodejs_heap_used_bytes gauge",
      `nodejs_heap_used_bytes ${memory.heapUsed}`,
      "",
    ];
    return c.text(lines.join("\n"), 200, { "content-type": "text/plain; version=0.0.4" });
  });
}
