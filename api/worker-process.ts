import { createEngine, type Engine } from "../engine/index.ts";
import type { Config } from "./config.ts";
import { createLogger } from "./logger.ts";
import { openStore, packageVersion, storeWhere } from "./server.ts";

export interface RunningWorker {
  engine: Engine;
  close(): Promise<void>;
}

/**
 * `runnel worker`: claims and executes runs, nothing else — no HTTP server, so any number can
 * run beside one another and beside `runnel api`. On PostgreSQL it wakes on NOTIFY.
 */
export async function startWorker(config: Config): Promise<RunningWorker> {
  const logger = createLogger(config.logLevel);
  const store = await openStore(config);
  if (store.kind === "sqlite") {
    logger.log("warn", "runnel worker on SQLite only finds new runs by polling; set DATABASE_URL=postgres://… to scale out");
  }
  const engine = createEngine({ store, logger, worker: { concurrency: config.workerConcurrency, leaseMs: config.leaseMs } });
  await engine.start();
  logger.log("info", `Runnel ${packageVersion()} worker ${engine.worker!.owner} ready (store: ${store.kind}, ${storeWhere(config)})`, {
    owner: engine.worker!.owner,
  });
  return {
    engine,
    async close() {
      // Lets in-flight steps finish, then hands the remaining runs back to the queue.
      await engine.stop(config.shutdownTimeoutMs);
      await store.close();
    },
  };
}
