import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { GroupCommit } from "../../engine/store/sqlite/group-commit.ts";
import { WalSync } from "../../engine/store/sqlite/wal-sync.ts";
import { SqliteStore } from "../../engine/store/sqlite/store.ts";
import { tempDir } from "../helpers/temp-store.ts";

/** A sync the test completes by hand, to see what is reported durable before the disk says so. */
function heldSync() {
  const calls: ((error: Error | null) => void)[] = [];
  return { calls, sync: (_fd: number, done: (error: Error | null) => void) => void calls.push(done) };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("commits synced off the event loop", () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((f) => f()));

  function open(held = heldSync()) {
    const dir = tempDir();
    const file = path.join(dir.dir, "t.db");
    const db = new Database(file);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.exec("CREATE TABLE t (v TEXT)");
    const sync = new WalSync(`${file}-wal`, held.sync);
    const writes = new GroupCommit(db, { sync });
    cleanups.push(() => {
      writes.close();
      db.close();
      dir.remove();
    });
    const insert = db.prepare("INSERT INTO t (v) VALUES (?)");
    return { db, sync, writes, held, write: (v: string) => writes.run(() => insert.run(v).changes) };
  }

  it("reports a commit durable only once the WAL sync after it returns", async () => {
    const { db, write, held } = open();
    let durable = false;
    const written = write("a").then(() => (durable = true));
    await turn();
    await turn();
    // Committed (a reader sees it) and its sync started, but the disk has not answered.
    expect(db.prepare("SELECT count(*) FROM t").pluck().get()).toBe(1);
    expect(held.calls).toHaveLength(1);
    expect(durable).toBe(false);
    held.calls[0]!(null);
    await written;
    expect(durable).toBe(true);
  });

  it("covers the commits made during a sync with one next sync, and settles them in commit order", async () => {
    const { writes, sync, held, write: insert } = open();
    const order: string[] = [];
    const write = (v: string) => insert(v).then(() => order.push(v));

    const a = write("a");
    await turn();
    expect(held.calls).toHaveLength(1); // batch 1 committed, its sync in flight
    const b = write("b");
    await turn();
    const c = write("c");
    await turn();
    // Batches 2 and 3 committed while the first sync ran: they wait, no second sync yet.
    expect(writes.batches).toBe(3);
    expect(held.calls).toHaveLength(1);
    expect(order).toEqual([]);

    held.calls[0]!(null);
    await a;
    expect(order).toEqual(["a"]);
    expect(held.calls).toHaveLength(2); // one sync for both waiting batches
    held.calls[1]!(null);
    await Promise.all([b, c]);
    expect(order).toEqual(["a", "b", "c"]);
    expect(sync.syncs).toBe(2);
  });

  it("on close, syncs on the spot and settles the sync in flight and the waiting ones, in order, once", async () => {
    const { writes, held, write: insert } = open();
    const order: string[] = [];
    const write = (v: string) => insert(v).then(() => order.push(v));
    const a = write("a");
    await turn();
    const b = write("b");
    await turn();
    expect(held.calls).toHaveLength(1); // a's sync in flight, b waiting
    writes.close();
    await Promise.all([a, b]);
    expect(order).toEqual(["a", "b"]);
    held.calls[0]!(null); // the sync that was in flight returns late: nothing is settled twice
    await turn();
    expect(order).toEqual(["a", "b"]);
  });

  it("rejects the writes a failed sync covered instead of calling them durable", async () => {
    const { write, held } = open();
    const written = write("x");
    await turn();
    held.calls[0]!(Object.assign(new Error("EIO: i/o error, fdatasync"), { code: "EIO" }));
    await expect(written).rejects.toThrow(/EIO/);
  });

  it("is how a file store makes commits durable by default; `syncOffLoop: false` leaves it to SQLite", async () => {
    const dir = tempDir();
    cleanups.push(() => dir.remove());
    const offLoop = new SqliteStore({ filename: path.join(dir.dir, "a.db") });
    const inCommit = new SqliteStore({ filename: path.join(dir.dir, "b.db"), syncOffLoop: false });
    const relaxed = new SqliteStore({ filename: path.join(dir.dir, "c.db"), synchronous: "normal" });
    try {
      // 1 = NORMAL (synced before checkpoints; each commit synced by WalSync), 2 = FULL.
      expect(offLoop.db.pragma("synchronous", { simple: true })).toBe(1);
      expect(inCommit.db.pragma("synchronous", { simple: true })).toBe(2);
      expect(relaxed.db.pragma("synchronous", { simple: true })).toBe(1);
      const flow = { schemaVersion: 1 as const, name: "f", active: true, nodes: [], edges: [] };
      await Promise.all([offLoop.createFlow(flow, 1), offLoop.createFlow(flow, 2)]);
      await offLoop.createFlow(flow, 3);
      expect(offLoop.writes.syncs).toBe(2);
      await relaxed.createFlow(flow, 1);
      expect(relaxed.writes.syncs).toBe(0);
    } finally {
      await Promise.all([offLoop.close(), inCommit.close(), relaxed.close()]);
    }
  });
});
