import { subscribe, unsubscribe } from "node:diagnostics_channel";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { GroupCommit } from "../../engine/store/sqlite/group-commit.ts";
import { spawnSync } from "node:child_process";
import { closeSync, openSync, readdirSync, readlinkSync, writeFileSync, writeSync } from "node:fs";
import { SyncThread } from "../../engine/store/sqlite/sync-thread.ts";
import { WalSync, type SyncThreadPolicy, type WalSyncOptions } from "../../engine/store/sqlite/wal-sync.ts";
import { SqliteStore } from "../../engine/store/sqlite/store.ts";
import { tempDir } from "../helpers/temp-store.ts";

/** A sync the test completes by hand, to see what is reported durable before the disk says so. */
function heldSync() {
  const calls: ((error: Error | null) => void)[] = [];
  return { calls, sync: (_fd: number, done: (error: Error | null) => void) => void calls.push(done) };
}

/** A WAL database with one table, its commits made durable by a WalSync with `options`. */
function openTable(options: WalSyncOptions, cleanups: (() => void)[]) {
  const dir = tempDir();
  const file = path.join(dir.dir, "t.db");
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec("CREATE TABLE t (v TEXT)");
  const sync = new WalSync(`${file}-wal`, options);
  const writes = new GroupCommit(db, { sync });
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    writes.close();
    db.close();
  };
  cleanups.push(() => {
    close();
    dir.remove();
  });
  const insert = db.prepare("INSERT INTO t (v) VALUES (?)");
  return { db, file, sync, writes, close, write: (v: string) => writes.run(() => insert.run(v).changes) };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("commits synced off the event loop", () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((f) => f()));

  function open(held = heldSync()) {
    return { ...openTable({ poolSync: held.sync, thread: "never" }, cleanups), held };
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

/** Turns of the event loop until `ready()` holds (at most ~5 s). */
async function until(ready: () => boolean): Promise<void> {
  for (let i = 0; i < 5_000 && !ready(); i++) await new Promise((resolve) => setTimeout(resolve, 1));
  expect(ready()).toBe(true);
}

/** Descriptors this process holds open on `file`. */
function openDescriptors(file: string): number {
  return readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === file;
    } catch {
      return false;
    }
  }).length;
}

describe("commits synced on a thread of their own", () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((f) => f()));

  const open = (thread: SyncThreadPolicy) => openTable({ thread }, cleanups);

  it("reports every write durable, in commit order, with the syncs made on the thread", async () => {
    const { db, sync, write } = open("always");
    await until(() => sync.onThread);
    const order: string[] = [];
    const written: Promise<unknown>[] = [];
    for (let i = 0; i < 200; i++) {
      written.push(write(`v${i}`).then(() => order.push(`v${i}`)));
      if (i % 7 === 0) await turn();
    }
    await Promise.all(written);
    expect(order).toEqual(Array.from({ length: 200 }, (_, i) => `v${i}`));
    expect(db.prepare("SELECT count(*) FROM t").pluck().get()).toBe(200);
    expect(sync.threadSyncs).toBeGreaterThan(0);
    expect(sync.threadSyncs).toBe(sync.syncs);
  });

  it("tells a finished sync's writers at the next write, without waiting for the event loop's turn", async () => {
    const { sync, write } = open("always");
    await until(() => sync.onThread);
    let durable = false;
    void write("a").then(() => (durable = true));
    await turn(); // committed; its sync handed to the thread
    expect(sync.threadSyncs).toBe(1);
    const thread = sync["thread"]!;
    const deadline = Date.now() + 5_000;
    while (!thread.returned && Date.now() < deadline); // the disk answers; the loop does not turn
    expect(thread.returned).toBe(true);
    expect(durable).toBe(false);
    void write("b"); // a write is a moment to look
    await Promise.resolve();
    await Promise.resolve();
    expect(durable).toBe(true);
  });

  it("announces each sync's start and the moment its writers are told, and where it ran", async () => {
    const onPool = open("never");
    const onThread = open("always");
    await until(() => onThread.sync.onThread);
    const seen: { phase: string; thread: boolean }[] = [];
    const listener = (message: unknown) => void seen.push(message as { phase: string; thread: boolean });
    subscribe("runnel:wal-sync", listener);
    try {
      await onPool.write("on the pool");
      await onThread.write("on the thread");
    } finally {
      unsubscribe("runnel:wal-sync", listener);
    }
    expect(seen).toEqual([
      { phase: "start", thread: false },
      { phase: "end", thread: false },
      { phase: "start", thread: true },
      { phase: "end", thread: true },
    ]);
  });

  it("starts the thread only once commits queue behind syncs: a lone writer never pays for it", async () => {
    const { sync, write } = open("auto");
    for (let i = 0; i < 50; i++) await write(`lone${i}`);
    expect(sync["thread"]).toBeUndefined();
    const written: Promise<unknown>[] = [];
    for (let i = 0; i < 400 && !sync.onThread; i++) {
      written.push(write(`busy${i}`));
      await turn();
    }
    await until(() => sync.onThread);
    await Promise.all([...written, write("after")]);
    expect(sync.threadSyncs).toBeGreaterThan(0);
  });

  it("keeps the process alive until the writers of a sync on the thread are told", () => {
    const dir = tempDir();
    cleanups.push(() => dir.remove());
    const engine = path.resolve(import.meta.dirname, "../../engine/store/sqlite");
    const script = path.join(dir.dir, "last-write.mts");
    // A script whose last act is a write: nothing but that write's sync holds its event loop.
    writeFileSync(
      script,
      `import { createRequire } from "node:module";
      import { GroupCommit } from ${JSON.stringify(path.join(engine, "group-commit.ts"))};
      import { WalSync } from ${JSON.stringify(path.join(engine, "wal-sync.ts"))};
      const Database = createRequire(${JSON.stringify(engine)} + "/")("better-sqlite3");
      const db = new Database(${JSON.stringify(path.join(dir.dir, "t.db"))});
      db.pragma("journal_mode = WAL");
      db.exec("CREATE TABLE t (v TEXT)");
      const sync = new WalSync(db.name + "-wal", { thread: "always" });
      const writes = new GroupCommit(db, { sync });
      while (!sync.onThread) await new Promise((resolve) => setTimeout(resolve, 1));
      const insert = db.prepare("INSERT INTO t (v) VALUES (?)");
      writes.run(() => insert.run("last")).then(() => console.log("durable on the thread:", sync.threadSyncs));`,
    );
    const child = spawnSync(process.execPath, ["--import", "tsx", script], { cwd: path.resolve(import.meta.dirname, "../.."), encoding: "utf8", timeout: 30_000 });
    expect(child.stderr).toBe("");
    expect(child.stdout.trim()).toBe("durable on the thread: 1");
  });

  it("on close, waits for the sync in flight on the thread, settles each write once and closes the WAL", async () => {
    const { sync, write, close, file } = open("always");
    await until(() => sync.onThread);
    const settled: string[] = [];
    const a = write("a").then(() => settled.push("a"));
    await turn();
    const b = write("b").then(() => settled.push("b"));
    close();
    await Promise.all([a, b]);
    await turn();
    expect(settled).toEqual(["a", "b"]);
    expect(openDescriptors(`${file}-wal`)).toBe(0);
  });
});

describe("the sync thread", () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((f) => f()));

  async function started() {
    const thread = new SyncThread();
    cleanups.push(() => thread.close());
    await until(() => thread.usable);
    return thread;
  }

  function dataFile() {
    const dir = tempDir();
    const fd = openSync(path.join(dir.dir, "data"), "w+");
    writeSync(fd, "x".repeat(4096));
    cleanups.push(() => {
      closeSync(fd);
      dir.remove();
    });
    return fd;
  }

  it("reports a failed fdatasync as an error with its errno", async () => {
    const thread = await started();
    const done = new Promise<Error | null>((resolve) => thread.sync(1_000_000, resolve));
    const error = await done;
    expect(error?.message).toMatch(/fdatasync/);
    expect((error as Error & { errno: number }).errno).toBe(-9); // EBADF
  });

  it("if it dies, the sync it held is made through libuv's pool, once, and it takes no more", async () => {
    const thread = await started();
    const fd = dataFile();
    const calls: (Error | null)[] = [];
    const done = new Promise<void>((resolve) =>
      thread.sync(fd, (error) => {
        calls.push(error);
        resolve();
      }),
    );
    await thread["worker"].terminate();
    await done;
    await turn();
    expect(calls).toEqual([null]);
    expect(thread.usable).toBe(false);
  });
});
