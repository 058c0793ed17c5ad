import type { Engine } from "../engine/index.ts";
import type { Config } from "./config.ts";
import { openEngine, packageVersion, storeWhere } from "./server.ts";

export interface RunningWorker {
  engine: Engine;
  close(): Promise<void>;
}

/**
 * `runnel worker`: claims and executes runs, nothing else — no HTTP server, no schedules — so any
 * number can run beside one another and beside `runnel api`. On PostgreSQL it wakes on NOTIFY.
 */
export async function startWorker(config: Config): Promise<RunningWorker> {
  const { engine, store, logger } = await openEngine(config, "worker");
  if (store.kind === "sqlite") {
    logger.log("warn", "runnel worker on SQLite only finds new runs by polling; set DATABASE_URL=postgres://… to scale out");
  }
  await engine.start();
  const owner = engine.worker!.owner;
  logger.log("info", `Runnel ${packageVersion()} worker ${owner} ready (store: ${store.kind}, ${storeWhere(config)})`, { owner });
  return {
    engine,
    async close() {
      // Lets in-flight steps finish, then hands the remaining runs back to the queue.
      await engine.stop(config.shutdownTimeoutMs);
      await store.close();
    },
  };
}
