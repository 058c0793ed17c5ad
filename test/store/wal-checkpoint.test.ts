import { statSync } from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteStore } from "../../engine/index.ts";
import { tempDir } from "../helpers/temp-store.ts";

const MB = 1024 * 1024;

/**
 * Readers that always overlap, in another thread (as another process or a backup would be):
 * three connections take turns opening a read transaction every few ms, so at every moment
 * some reader holds a snapshot and an automatic PASSIVE checkpoint can never rewind the WAL.
 */
const READERS = `
const Database = require("better-sqlite3");
const { parentPort, workerData } = require("node:worker_threads");
const conns = [0, 1, 2].map(() => new Database(workerData, { readonly: true }));
let i = 0;
const timer = setInterval(() => {
  const c = conns[i++ % conns.length];
  if (c.inTransaction) c.exec("COMMIT");
  c.exec("BEGIN");
  c.prepare("SELECT count(*) FROM runs").get();
}, 5);
parentPort.postMessage("reading");
parentPort.on("message", () => {
  clearInterval(timer);
  for (const c of conns) { if (c.inTransaction) c.exec("COMMIT"); c.close(); }
  parentPort.postMessage("stopped");
});`;

/** Writes ~`totalMb` of runs while readers overlap; returns the largest WAL file size seen. */
async function maxWalWhileReading(store: SqliteStore, filename: string, totalMb: number): Promise<number> {
  const readers = new Worker(READERS, { eval: true, workerData: filename });
  await new Promise((resolve) => readers.once("message", resolve));
  const flowDoc = await store.createFlow({ schemaVersion: 1, name: "wal", active: false, nodes: [{ id: "w", type: "webhook", position: { x: 0, y: 0 }, config: { path: "w" } }], edges: [] }, Date.now());
  const blob = "z".repeat(128 * 1024); // stored twice (message + trigger step): ~256 kB a run
  let max = 0;
  for (let i = 0; i < totalMb * 4; i++) {
    await store.enqueueRun({ id: `run_${String(i).padStart(6, "0")}`, flowId: flowDoc.id, flowVersion: 1, triggerNodeId: "w", triggerType: "webhook", message: { blob, i }, frontier: [], now: Date.now() });
    max = Math.max(max, statSync(`${filename}-wal`).size);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  readers.postMessage("stop");
  await new Promise((resolve) => readers.once("message", resolve));
  await readers.terminate();
  return max;
}

describe("WAL checkpoint policy", () => {
  const dirs: { remove(): void }[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

  function open(checkpoint: ConstructorParameters<typeof SqliteStore>[0]["checkpoint"]) {
    const dir = tempDir();
    dirs.push(dir);
    const filename = path.join(dir.dir, "runnel.db");
    return { store: new SqliteStore({ filename, checkpoint, walSizeLimitBytes: 4 * MB }), filename };
  }

  it("keeps the WAL bounded while readers are always active, where automatic checkpoints let it grow", async () => {
    // Scaled down 4x from production (16 MB threshold, 64 MB bound) to keep the test quick.
    const starved = open(false);
    const unbounded = await maxWalWhileReading(starved.store, starved.filename, 40);
    await starved.store.close();
    expect(unbounded).toBeGreaterThan(20 * MB);

    const policed = open({ intervalMs: 50, restartAboveBytes: 4 * MB });
    const bounded = await maxWalWhileReading(policed.store, policed.filename, 40);
    console.log(`WAL high-water mark with overlapping readers: ${(unbounded / MB).toFixed(1)} MB without the policy, ${(bounded / MB).toFixed(1)} MB with it`);
    expect(bounded).toBeLessThan(12 * MB);
    expect(policed.store.checkpointer!.restarts).toBeGreaterThan(0);
    await policed.store.close();
  });
});
