import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { SqliteStore } from "../../engine/index.ts";

export function tempDir(prefix = "runnel-test-"): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A real SQLite file in a temp folder (not :memory:, so WAL and fsync behave as in production). */
export function tempSqliteStore(): { store: SqliteStore; dir: string; cleanup(): Promise<void> } {
  const { dir, remove } = tempDir();
  const store = new SqliteStore({ filename: path.join(dir, "runnel.db"), synchronous: "normal" });
  return {
    store,
    dir,
    async cleanup() {
      await store.close();
      remove();
    },
  };
}
