/** The two benchmark flows (issue 9) on a real Runnel server. peers.ts builds the same for Node-RED. */
import path from "node:path";
import { flow } from "../helpers/flows.ts";
import { startRealServer, type RealServer } from "../helpers/real-server.ts";
import { RunLog } from "./run-log.ts";

export type FlowKind = "echo" | "pipeline";
export type ReplyMode = "respond" | "accepted";

export const FILTER_CONDITION = "body.amount > 0";
export const TRANSFORM_EXPRESSION = `{ "id": body.id, "total": body.amount * 1.2, "email": $lowercase(body.user.email) }`;

export function benchFlow(kind: FlowKind, mode: ReplyMode) {
  const hook = { id: "hook", type: "webhook", config: { path: `${kind}-${mode}`, respond: mode } };
  if (kind === "echo") {
    return flow(`bench ${kind} ${mode}`, [hook, { id: "reply", type: "respond", config: { body: "body" } }], ["hook->reply"]);
  }
  return flow(
    `bench ${kind} ${mode}`,
    [
      hook,
      { id: "filter", type: "filter", config: { condition: FILTER_CONDITION } },
      { id: "dedupe", type: "dedupe", config: { key: "body.id" } },
      { id: "transform", type: "transform", config: { expression: TRANSFORM_EXPRESSION } },
      { id: "reply", type: "respond", config: {} },
    ],
    ["hook->filter", "filter->dedupe", "dedupe->transform", "transform->reply"],
  );
}

export interface Bench {
  server: RealServer;
  log: RunLog;
  /** Flow id by `<kind>-<mode>`, which is also the webhook path. */
  flowIds: Map<string, string>;
}

/** Starts `runnel start` on `dataDir` with one flow per kind and mode. */
export async function startBench(dataDir: string, kinds: FlowKind[], modes: ReplyMode[]): Promise<Bench> {
  const server = await startRealServer({ dataDir, env: passThroughEnv() });
  const flowIds = new Map<string, string>();
  for (const kind of kinds) {
    for (const mode of modes) {
      const res = await fetch(`${server.url}/api/flows`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(benchFlow(kind, mode)),
      });
      if (!res.ok) throw new Error(`creating the ${kind} ${mode} flow failed: ${res.status} ${await res.text()}`);
      flowIds.set(`${kind}-${mode}`, ((await res.json()) as { id: string }).id);
    }
  }
  return { server, log: new RunLog(path.join(dataDir, "runnel.db")), flowIds };
}

/**
 * RUNNEL_SQLITE_SYNC=normal in the bench's environment reaches the server (full otherwise).
 * Retention passes are held off (RUNNEL_RETENTION_INTERVAL one day unless set): the scenarios put
 * tens of thousands of runs into each flow within a minute, and pruning the echo flows' excess
 * would be charged to whichever pipeline scenario runs then. What pruning costs is reported apart.
 */
export function passThroughEnv(): Record<string, string> {
  const env: Record<string, string> = { RUNNEL_RETENTION_INTERVAL: process.env.RUNNEL_RETENTION_INTERVAL ?? "86400000" };
  if (process.env.RUNNEL_SQLITE_SYNC) env.RUNNEL_SQLITE_SYNC = process.env.RUNNEL_SQLITE_SYNC;
  return env;
}
