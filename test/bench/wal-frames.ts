/**
 * `npx tsx test/bench/wal-frames.ts [connections]`: which pages a commit writes. Runs the pipeline
 * flow (respond) under load, copies the database and its WAL mid-load, and counts the WAL frames
 * of the copy by the table or index their page belongs to (SQLite's `dbstat`), per commit. Every
 * frame is two `pwrite`s inside `COMMIT` and a page the next checkpoint copies back.
 */
import { copyFileSync, readFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { startRealServer } from "../helpers/real-server.ts";
import { tempDir } from "../helpers/temp-store.ts";
import { benchFlow } from "./bench-flows.ts";
import { load } from "./load.ts";

const connections = Number(process.argv[2] ?? 10);
const data = tempDir("runnel-wal-frames-");
const copy = tempDir("runnel-wal-copy-");
const server = await startRealServer({ dataDir: data.dir, env: { RUNNEL_RETENTION_INTERVAL: "86400000" } });
try {
  const res = await fetch(`${server.url}/api/flows`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(benchFlow("pipeline", "respond")) });
  if (!res.ok) throw new Error(`creating the flow failed: ${res.status}`);
  const url = `${server.url}/hooks/pipeline-respond`;
  await load({ url, connections, durationS: 3, idPrefix: "warm" });
  const loading = load({ url, connections, durationS: 4, idPrefix: "frames" });
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const db = path.join(data.dir, "runnel.db");
  copyFileSync(`${db}-wal`, path.join(copy.dir, "copy.db-wal"));
  copyFileSync(db, path.join(copy.dir, "copy.db"));
  await loading;
} finally {
  await server.stop();
}

const wal = readFileSync(path.join(copy.dir, "copy.db-wal"));
const pageSize = wal.readUInt32BE(8);
const salt = wal.readUInt32BE(16);
const frames: { page: number; commits: boolean }[] = [];
// A frame: 24-byte header (page number, database size if it ends a commit, salts, checksums), then the page.
for (let at = 32; at + 24 + pageSize <= wal.length && wal.readUInt32BE(at + 8) === salt; at += 24 + pageSize) {
  frames.push({ page: wal.readUInt32BE(at), commits: wal.readUInt32BE(at + 4) !== 0 });
}
const reader = new Database(path.join(copy.dir, "copy.db"));
const owner = new Map<number, string>();
for (const row of reader.prepare("SELECT name, pageno, pagetype FROM dbstat").all() as { name: string; pageno: number; pagetype: string }[]) {
  owner.set(row.pageno, row.pagetype === "internal" ? `${row.name} (interior)` : row.name);
}
reader.close();
copy.remove();
data.remove();

const commits = frames.filter((f) => f.commits).length;
const counts = new Map<string, number>();
for (const { page } of frames) {
  const name = owner.get(page) ?? `page ${page} (freed since)`;
  counts.set(name, (counts.get(name) ?? 0) + 1);
}
console.log(`${connections} connections: ${frames.length} frames in ${commits} commits, ${(frames.length / Math.max(1, commits)).toFixed(1)} per commit`);
for (const [name, n] of [...counts].sort((a, b) => b[1] - a[1])) console.log(`${(n / Math.max(1, commits)).toFixed(2).padStart(6)}  ${name}`);
