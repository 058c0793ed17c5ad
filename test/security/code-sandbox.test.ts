import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { runInSandbox, SandboxError } from "../../engine/sandbox/quickjs-sandbox.ts";
import { checkEscapeOutcome, ESCAPE_CORPUS } from "./escape-corpus.ts";

// The memory check runs in a child process (it needs --expose-gc); start it right away so
// it overlaps with the corpus below instead of adding its ~15 s at the end.
let memoryCheck: Promise<string>;
beforeAll(() => {
  const script = fileURLToPath(new URL("./sandbox-memory-check.ts", import.meta.url));
  memoryCheck = promisify(execFile)(process.execPath, ["--expose-gc", "--import", "tsx", script], { timeout: 90_000 }).then((r) => r.stdout);
  memoryCheck.catch(() => {}); // reported by the test that awaits it
});

async function outcome(source: string, input: unknown, options?: Parameters<typeof runInSandbox>[2]) {
  try {
    return { result: await runInSandbox(source, input, options) } as const;
  } catch (error) {
    if (error instanceof SandboxError) return { error } as const;
    throw error; // anything else is a bug in the sandbox
  }
}

describe("runInSandbox: ordinary code", () => {
  it("transforms the message", async () => {
    const { result } = await outcome("return { ...msg, total: msg.items.reduce((a, b) => a + b, 0) }", { items: [1, 2, 3], name: "ö✓" });
    expect(result?.value).toEqual({ items: [1, 2, 3], name: "ö✓", total: 6 });
    expect(result?.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("returns an array of messages", async () => {
    const { result } = await outcome("return msg.items.map((item, index) => ({ item, index }))", { items: ["a", "b"] });
    expect(result?.value).toEqual([{ item: "a", index: 0 }, { item: "b", index: 1 }]);
  });

  it("returns nothing", async () => {
    expect((await outcome("msg.x = 1", {})).result?.value).toBeUndefined();
    expect((await outcome("", {})).result?.value).toBeUndefined();
    expect((await outcome("return", {})).result?.value).toBeUndefined();
    expect((await outcome("return null", {})).result?.value).toBeNull();
  });

  it("awaits promises and async helpers", async () => {
    const source = "const wait = (v) => new Promise((r) => r(v)); const parts = await Promise.all([wait(1), wait(2)]); return { sum: parts[0] + parts[1] }";
    expect((await outcome(source, {})).result?.value).toEqual({ sum: 3 });
  });

  it("collects console output as structured, bounded logs", async () => {
    const { result } = await outcome("console.log('hello', msg.n, { a: 1 }, [1]); console.warn('careful'); console.error(new Error('x').message); return 1", { n: 5 });
    expect(result?.logs).toEqual([
      { level: "log", message: 'hello 5 {"a":1} [1]' },
      { level: "warn", message: "careful" },
      { level: "error", message: "x" },
    ]);
    const flood = await outcome("for (let i = 0; i < 1000; i++) console.log('line ' + i); return 'done'", {}, { maxLogLines: 10 });
    expect(flood.result?.logs).toHaveLength(11);
    expect(flood.result?.logs.at(-1)).toEqual({ level: "warn", message: "[990 more console lines dropped]" });
    const wide = await outcome("console.log('x'.repeat(100000)); return 1", {}, { maxLogChars: 1000 });
    expect(wide.result?.logs[0]?.message.length).toBeLessThanOrEqual(1001);
  });

  it("keeps logs written before a failure", async () => {
    const { error } = await outcome("console.log('before'); throw new TypeError('bad input')", {});
    expect(error?.code).toBe("CODE_ERROR");
    expect(error?.message).toBe("TypeError: bad input");
    expect(error?.logs).toEqual([{ level: "log", message: "before" }]);
  });

  it("serialises output like JSON.stringify", async () => {
    const source = "return { d: new Date(0), n: new Number(2), s: new String('s'), b: new Boolean(false), u: undefined, f() {}, arr: [undefined, () => 1, NaN], nested: { toJSON() { return 'custom' } } }";
    const expected: unknown = JSON.parse(JSON.stringify({ d: new Date(0), n: 2, s: "s", b: false, arr: [null, null, null], nested: "custom" }));
    expect((await outcome(source, {})).result?.value).toEqual(expected);
    const deep = await outcome("let o = 1; for (let i = 0; i < 400; i++) o = [o]; return o", {});
    expect(JSON.stringify(deep.result?.value).length).toBe(801);
  });

  it("passes data, not host objects: input arrives as a fresh JSON copy", async () => {
    const input = { list: [1], when: new Date(0), skip: undefined };
    const { result } = await outcome("msg.list.push(2); return [msg.when, 'skip' in msg, typeof msg.list.push]", input);
    expect(result?.value).toEqual(["1970-01-01T00:00:00.000Z", false, "function"]);
    expect(input.list).toEqual([1]);
  });

  it("rejects bad options and unserialisable input on the host side", async () => {
    await expect(runInSandbox("return 1", {}, { timeoutMs: 0 })).rejects.toThrow(RangeError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(runInSandbox("return 1", cyclic)).rejects.toThrow(TypeError);
    await expect(runInSandbox("return 1", "x".repeat(20_000_000))).rejects.toMatchObject({ code: "CODE_MEMORY_LIMIT" });
  });
});

describe("runInSandbox: escape corpus", () => {
  const names = (o: object) => Object.getOwnPropertyNames(o).sort();
  const before = {
    object: names(Object.prototype),
    array: names(Array.prototype),
    fn: names(Function.prototype),
    globals: names(globalThis),
    stringify: JSON.stringify,
    then: Promise.prototype.then,
  };

  it("has at least 60 cases", () => {
    expect(ESCAPE_CORPUS.length).toBeGreaterThanOrEqual(60);
  });

  it.each(ESCAPE_CORPUS.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const out = await outcome(c.source, c.input ?? null, c.options);
    if (out.error) expect(out.error).toBeInstanceOf(Error);
    checkEscapeOutcome(c, out.error ? { code: out.error.code, message: out.error.message, values: [] } : { values: [out.result?.value] }, "runInSandbox");
  });

  it("left the host untouched", () => {
    expect(names(Object.prototype)).toEqual(before.object);
    expect(names(Array.prototype)).toEqual(before.array);
    expect(names(Function.prototype)).toEqual(before.fn);
    expect(names(globalThis)).toEqual(before.globals);
    expect(JSON.stringify).toBe(before.stringify);
    expect(Promise.prototype.then).toBe(before.then);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it("still works normally after the corpus", async () => {
    expect((await outcome("return { ok: typeof Object.prototype.polluted }", {})).result?.value).toEqual({ ok: "undefined" });
  });
});

describe("runInSandbox: memory over time", () => {
  // A separate process with --expose-gc: RSS after warm-up, after the escape corpus and
  // after 1,000 more calls. See sandbox-memory-check.ts.
  it("returns near its baseline after the corpus and does not grow over 1,000 calls", async () => {
    const stdout = await memoryCheck;
    const m = JSON.parse(stdout.trim().split("\n").at(-1)!) as Record<string, number>;
    console.log(`sandbox memory: ${JSON.stringify(m)}`);
    // The wasm heap is back to its initial size: no leaked QuickJS objects or handles.
    expect(m.wasmHeapAfter1000MiB).toBe(m.wasmHeapBaselineMiB);
    // Modules retired after memory bombs were freed; one leaked 80 MiB wasm memory would show.
    // (Without a leak the rise was 31–48 MiB over four CI runs: RSS moves with V8's and malloc's
    // reservations, so the bound leaves that room and still sits below one leaked module.)
    expect(m.rssAfterCorpusMiB! - m.rssBaselineMiB!).toBeLessThan(64);
    // 500 more calls leave the JS heap where it was. (RSS alone is noisy: V8 grows its
    // reserved heap pages in steps of several MiB whether or not anything leaks.)
    expect(m.jsHeapAfter1000CallsMiB! - m.jsHeapAfter500CallsMiB!).toBeLessThan(2);
    expect(m.rssAfter1000CallsMiB! - m.rssBaselineMiB!).toBeLessThan(64);
  }, 90_000);
});
