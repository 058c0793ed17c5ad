import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { GroupCommit } from "../../engine/store/sqlite/group-commit.ts";
import { tempDir } from "../helpers/temp-store.ts";

describe("group commit", () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((f) => f()));

  function open(options: ConstructorParameters<typeof GroupCommit>[1] = {}) {
    const dir = tempDir();
    const db = new Database(path.join(dir.dir, "t.db"));
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)");
    cleanups.push(() => {
      db.close();
      dir.remove();
    });
    const insert = db.prepare("INSERT INTO t (v) VALUES (?)");
    return { db, writes: new GroupCommit(db, options), insert: (v: string) => insert.run(v).changes };
  }

  it("commits writes queued in one turn in one transaction, each failing write rolled back alone", async () => {
    const { db, writes, insert } = open();
    const results = await Promise.allSettled(["a", "b", "a", "c"].map((v) => writes.run(() => insert(v))));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
    expect(writes.batches).toBe(1);
    expect(db.prepare("SELECT v FROM t ORDER BY id").pluck().all()).toEqual(["a", "b", "c"]);
  });

  it("makes a lone writer wait for nothing, even one chaining write after write", async () => {
    const { writes, insert } = open({ windowMs: 200 });
    const started = performance.now();
    for (let i = 0; i < 10; i++) await writes.run(() => insert(`v${i}`));
    // With the 200 ms window applied to each of them this would take two seconds.
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(writes.batches).toBe(10);
  });

  it("under load, holds a batch open for the window so later writers share its fsync", async () => {
    const { writes, insert } = open({ windowMs: 100 });
    await Promise.all(["a", "b", "c"].map((v) => writes.run(() => insert(v))));
    expect(writes.batches).toBe(1);
    // Right after a shared batch: a write, then another 20 ms later, land in one batch.
    const first = writes.run(() => insert("d"));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await Promise.all([first, writes.run(() => insert("e"))]);
    expect(writes.batches).toBe(2);
  });

  it("under load, commits without waiting out the window once as many writers joined as the last batch had", async () => {
    const { writes, insert } = open({ windowMs: 2_000 });
    await Promise.all(["a", "b", "c"].map((v) => writes.run(() => insert(v))));
    const started = performance.now();
    const spaced: Promise<number>[] = [];
    for (const v of ["d", "e", "f"]) {
      spaced.push(writes.run(() => insert(v)));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await Promise.all(spaced);
    // The third writer completes the company; waiting out the window would take two seconds.
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(writes.batches).toBe(2);
  });

  it("commits every write on its own when disabled (the benchmark baseline)", async () => {
    const { writes, insert } = open({ enabled: false });
    await Promise.all(["a", "b", "c", "d"].map((v) => writes.run(() => insert(v))));
    expect(writes.batches).toBe(4);
  });

  it("rolls back a lone failing write and commits the next one", async () => {
    const { db, writes, insert } = open();
    await writes.run(() => insert("a"));
    await expect(writes.run(() => insert("a"))).rejects.toThrow(/UNIQUE/);
    expect(db.inTransaction).toBe(false);
    await writes.run(() => insert("b"));
    expect(db.prepare("SELECT v FROM t ORDER BY id").pluck().all()).toEqual(["a", "b"]);
  });

  it("applies an atCommit write after every write issued before the commit, in the same transaction", async () => {
    const { db, writes, insert } = open();
    const late = writes.atCommit(() => db.prepare("SELECT group_concat(v) FROM t").pluck().get());
    const early = writes.run(() => insert("x"));
    expect(await late).toBe("x");
    await early;
    expect(writes.batches).toBe(1);
  });

  it("applies an atomic write without a savepoint, a failing one leaving its batch whole", async () => {
    const { db, writes, insert } = open();
    const first = writes.apply(() => insert("a"), { atomic: true });
    const failing = writes.apply(() => insert("a"), { atomic: true });
    const late = writes.atCommit(() => insert("b"), { atomic: true });
    await expect(failing.applied).rejects.toThrow(/UNIQUE/);
    expect(await Promise.all([first.durable, late])).toEqual([1, 1]);
    expect(writes.batches).toBe(1);
    expect(db.prepare("SELECT v FROM t ORDER BY id").pluck().all()).toEqual(["a", "b"]);
    // The first write of a batch failing ends the transaction it opened; the next one opens another.
    await expect(writes.apply(() => insert("b"), { atomic: true }).durable).rejects.toThrow(/UNIQUE/);
    await writes.apply(() => insert("c"), { atomic: true }).durable;
    expect(db.prepare("SELECT v FROM t ORDER BY id").pluck().all()).toEqual(["a", "b", "c"]);
  });

  it("lets a second connection to the same file write while the first holds an open batch", async () => {
    const { db, writes, insert } = open();
    const other = new Database(db.name);
    cleanups.unshift(() => other.close());
    const otherWrites = new GroupCommit(other);
    const first = writes.run(() => insert("one"));
    // Without committing the first batch, BEGIN IMMEDIATE here would wait for a lock only this thread can release.
    const second = otherWrites.run(() => other.prepare("INSERT INTO t (v) VALUES (?)").run("two").changes);
    await Promise.all([first, second]);
    expect(db.prepare("SELECT v FROM t ORDER BY id").pluck().all()).toEqual(["one", "two"]);
    otherWrites.close();
  });
});
