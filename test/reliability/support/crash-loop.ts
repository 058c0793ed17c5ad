import path from "node:path";
import { SqliteStore } from "../../../engine/index.ts";
import type { FlowInput } from "../../../engine/model/index.ts";
import { ServerExitedEarly, startRealServer, type RealServer } from "../../helpers/real-server.ts";

export interface CycleOutcome {
  /** The process killed itself at the armed crash point. */
  crashed: boolean;
  /** It did not reach the point in time and was SIGKILLed from outside instead. */
  killed: boolean;
}

/** Saves a flow straight into the data dir's database, before any server runs there. */
export async function seedFlow(dataDir: string, doc: unknown): Promise<string> {
  const store = new SqliteStore({ filename: path.join(dataDir, "runnel.db") });
  try {
    return (await store.createFlow(doc as FlowInput, Date.now())).id;
  } finally {
    await store.close();
  }
}

/**
 * One life of a server armed with RUNNEL_CRASH_AT: start it (it may die before it is even
 * healthy), publish its URL while it lives, and wait until it kills itself, or kill it after
 * `maxLifeMs` if the crash point was not reached.
 */
export async function armedLife(
  dataDir: string,
  env: Record<string, string>,
  publish: (server: RealServer | undefined) => void,
  maxLifeMs: number,
): Promise<CycleOutcome> {
  let server: RealServer;
  try {
    server = await startRealServer({ dataDir, env });
  } catch (err) {
    if (err instanceof ServerExitedEarly && err.exit.signal === "SIGKILL") return { crashed: true, killed: false };
    throw err;
  }
  publish(server);
  const timer = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), maxLifeMs).unref());
  const ended = await Promise.race([server.exit, timer]);
  publish(undefined);
  if (ended === "timeout") {
    await server.kill();
    return { crashed: false, killed: true };
  }
  if (ended.signal !== "SIGKILL") throw new Error(`armed server ended with ${ended.signal ?? ended.code}, not at its crash point:\n${server.output()}`);
  return { crashed: true, killed: false };
}
