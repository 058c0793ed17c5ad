// Attempts to escape, starve or confuse the code sandbox, with the outcome each must have.
// Every entry must end in a typed SandboxError or a harmless JSON value; the test also
// checks afterwards that nothing leaked into the host (prototypes, globals, memory).
import { expect } from "vitest";
import type { SandboxErrorCode, SandboxOptions } from "../../engine/sandbox/quickjs-sandbox.ts";

export type EscapeExpectation =
  /** exactly this error code */
  | SandboxErrorCode
  /** any of these error codes (e.g. a memory bomb may hit the clock first on a slow machine) */
  | { anyOf: readonly SandboxErrorCode[] }
  /** exactly this returned value (deep equality; undefined = returned nothing) */
  | { value: unknown }
  /** a returned value accepted by the predicate, or (if `orError`) one of those errors */
  | { satisfies: (value: unknown) => boolean; orError?: readonly SandboxErrorCode[] };

export interface EscapeCase {
  name: string;
  source: string;
  expect: EscapeExpectation;
  input?: unknown;
  options?: SandboxOptions;
}

const fast: SandboxOptions = { timeoutMs: 150 };
const smallHeap: SandboxOptions = { memoryBytes: 16 * 1024 * 1024, timeoutMs: 2000 };
// For heavy but finite work whose expected outcome must not turn into a timeout on a busy CI machine.
const generous: SandboxOptions = { timeoutMs: 5000 };
const isString = (v: unknown) => typeof v === "string";
const isStringArray = (v: unknown) => Array.isArray(v) && v.every(isString);
const plainProto = (v: unknown) => typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype;

export const ESCAPE_CORPUS: readonly EscapeCase[] = [
  // --- reaching the host through constructors and globals ---
  { name: "constructor chain typeof process", source: "return this.constructor.constructor('return typeof process')()", expect: { value: "undefined" } },
  { name: "constructor chain returns process", source: "return this.constructor.constructor('return process')()", expect: "CODE_ERROR" },
  { name: "Function('return this')", source: "return Function('return this')() === globalThis", expect: { value: true } },
  { name: "global object has no process", source: "return typeof Function('return this')().process", expect: { value: "undefined" } },
  { name: "msg.constructor.constructor", source: "return msg.constructor.constructor('return typeof require')()", input: { a: 1 }, expect: { value: "undefined" } },
  { name: "AsyncFunction constructor", source: "return (async () => {}).constructor('return typeof process')()", expect: { value: "undefined" } },
  { name: "error constructor chain", source: "try { null.f() } catch (e) { return e.constructor.constructor('return typeof process')() }", expect: { value: "undefined" } },
  { name: "array constructor chain", source: "return [].constructor.constructor('return this')().Array === Array", expect: { value: true } },
  {
    name: "no host globals at all",
    source:
      "return [typeof process, typeof require, typeof module, typeof exports, typeof Buffer, typeof global, typeof setTimeout, typeof setInterval, typeof fetch, typeof XMLHttpRequest, typeof WebSocket, typeof __dirname, typeof Deno, typeof Bun, typeof std, typeof os, typeof WebAssembly, typeof hostLog]",
    expect: { value: Array(18).fill("undefined") },
  },
  {
    name: "global names contain nothing host-like",
    source: "return Object.getOwnPropertyNames(globalThis).filter(k => /process|require|module|fetch|host|timeout|interval|^buffer$|webassembly|^os$|^std$/i.test(k))",
    expect: { value: [] },
  },
  { name: "globalThis probing", source: "return Object.getOwnPropertyNames(globalThis).sort()", expect: { satisfies: isStringArray } },
  { name: "process.env", source: "return process.env.HOME", expect: "CODE_ERROR" },
  { name: "globalThis.process?.env", source: "return typeof globalThis.process?.env", expect: { value: "undefined" } },
  { name: "require('fs')", source: "return require('fs').readFileSync('/etc/passwd', 'utf8')", expect: "CODE_ERROR" },
  { name: "import('fs')", source: "return await import('fs')", expect: "CODE_ERROR" },
  { name: "import('node:child_process')", source: "const cp = await import('node:child_process'); return cp.execSync('id').toString()", expect: "CODE_ERROR" },
  { name: "import data: URL", source: "return (await import('data:text/javascript,export default 1')).default", expect: "CODE_ERROR" },
  { name: "eval typeof process", source: "return eval('typeof process')", expect: { value: "undefined" } },
  { name: "indirect eval this", source: "return (0, eval)('this') === globalThis", expect: { value: true } },
  { name: "host log function unreachable", source: "return console.log.constructor('return hostLog')()", expect: "CODE_ERROR" },
  { name: "console internals are VM functions", source: "return typeof console.log.toString()", expect: { value: "string" } },
  { name: "arguments.callee is not data", source: "return arguments.callee", expect: "CODE_INVALID_OUTPUT" },
  { name: "caller chain", source: "const c = (function f() { return f.caller })(); return c === null || c === undefined ? 'none' : typeof c", expect: { satisfies: isString, orError: ["CODE_ERROR"] } },
  { name: "caller of the user function", source: "return typeof arguments.callee.caller", expect: { satisfies: isString, orError: ["CODE_ERROR"] } },
  { name: "V8 prepareStackTrace", source: "Error.prepareStackTrace = (e, s) => s; return typeof new Error().stack", expect: { value: "string" } },
  { name: "with(globalThis)", source: "with (globalThis) { return typeof process }", expect: { value: "undefined" } },
  // QuickJS's Function constructor concatenates the body, so this does run outside the
  // async function, but still inside the same VM, clock and memory cap (see the last case).
  { name: "break out of the function body", source: "}); globalThis.escaped = true; (function () {", expect: { satisfies: (v) => v === undefined, orError: ["CODE_ERROR"] } },
  { name: "inspect symbol", source: "return Symbol.for('nodejs.util.inspect.custom').toString()", expect: { value: "Symbol(nodejs.util.inspect.custom)" } },
  { name: "SharedArrayBuffer + Atomics.wait", source: "const ia = new Int32Array(new SharedArrayBuffer(8)); return Atomics.wait(ia, 0, 0, 100000)", options: fast, expect: { anyOf: ["CODE_ERROR", "CODE_TIMEOUT"] } },
  { name: "Atomics on a plain buffer", source: "const ia = new Int32Array(8); return Atomics.add(ia, 0, 1)", expect: { satisfies: (v) => v === 0, orError: ["CODE_ERROR"] } },
  { name: "WebAssembly", source: "return new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))", expect: "CODE_ERROR" },

  // --- prototype pollution: must stay inside the VM ---
  { name: "Object.prototype pollution", source: "Object.prototype.polluted = 'yes'; return {}", expect: { value: {} } },
  { name: "__proto__ pollution", source: "({}).__proto__.pollutedViaProto = 1; return { ok: true }", expect: { value: { ok: true } } },
  { name: "Array.prototype pollution", source: "Array.prototype.polluted = 1; return [1, 2]", expect: { value: [1, 2] } },
  { name: "pollution via msg", source: "msg.__proto__.pollutedViaMsg = 1; return msg", input: { a: 1 }, expect: { value: { a: 1 } } },
  { name: "JSON __proto__ key", source: "return JSON.parse('{\"__proto__\": {\"polluted\": true}}')", expect: { satisfies: plainProto } },
  { name: "literal __proto__", source: "return { __proto__: { isAdmin: true } }", expect: { value: {} } },
  { name: "own __proto__ property", source: "const o = {}; Object.defineProperty(o, '__proto__', { value: { polluted: 1 }, enumerable: true }); return o", expect: { satisfies: plainProto } },
  { name: "constructor.prototype key", source: "return { constructor: { prototype: { polluted: true } } }", expect: { satisfies: plainProto } },
  { name: "toJSON on Object.prototype", source: "Object.prototype.toJSON = () => 'hijacked'; return { a: 1 }", expect: { value: "hijacked" } },
  { name: "replace JSON.stringify", source: "JSON.stringify = () => '{\"forged\":true}'; return { real: true }", expect: { value: { real: true } } },
  { name: "replace JSON.parse", source: "JSON.parse = () => ({ forged: true }); return msg", input: { a: 1 }, expect: { value: { a: 1 } } },
  { name: "replace Promise.prototype.then", source: "Promise.prototype.then = function () { return 'hijack' }; return 42", expect: { value: 42 } },
  { name: "replace console", source: "globalThis.console = null; return 1", expect: { value: 1 } },
  { name: "freeze intrinsics", source: "Object.freeze(Object.prototype); Object.freeze(JSON); return 'frozen'", expect: { value: "frozen" } },

  // --- hostile return values ---
  // Resolving the async function's promise reads `then` first, so the get trap fires there.
  { name: "Proxy traps throw", source: "return new Proxy({}, { get() { throw new Error('trap') }, ownKeys() { throw new Error('trap') } })", expect: { anyOf: ["CODE_ERROR", "CODE_INVALID_OUTPUT"] } },
  { name: "Proxy trap loops", source: "return new Proxy({}, { ownKeys() { while (true) {} } })", options: fast, expect: "CODE_TIMEOUT" },
  {
    name: "self-referencing Proxy",
    source: "const p = new Proxy({}, { get: (t, k) => (k === 'toJSON' ? undefined : p), ownKeys: () => ['a'], getOwnPropertyDescriptor: () => ({ value: 1, enumerable: true, configurable: true }) }); return p",
    options: fast,
    expect: { anyOf: ["CODE_INVALID_OUTPUT", "CODE_MEMORY_LIMIT", "CODE_TIMEOUT"] },
  },
  { name: "getter throws", source: "return { get x() { throw new Error('getter') } }", expect: "CODE_INVALID_OUTPUT" },
  { name: "getter loops", source: "return { get x() { while (true) {} } }", options: fast, expect: "CODE_TIMEOUT" },
  { name: "getter returns a huge string", source: "return { get x() { return 'x'.repeat(50e6) } }", expect: { anyOf: ["CODE_INVALID_OUTPUT", "CODE_MEMORY_LIMIT", "CODE_TIMEOUT"] } },
  { name: "toJSON returns this", source: "return { toJSON() { return this } }", expect: { value: {} } },
  { name: "huge string output", source: "return { big: 'x'.repeat(5e6) }", options: generous, expect: "CODE_INVALID_OUTPUT" },
  { name: "huge array output", source: "return new Array(3e6).fill(0)", options: { ...generous, maxOutputChars: 100_000 }, expect: "CODE_INVALID_OUTPUT" },
  { name: "undefined and functions dropped", source: "return { a: undefined, f() {}, b: 1 }", expect: { value: { b: 1 } } },
  { name: "NaN and Infinity", source: "return [NaN, Infinity, -0]", expect: { value: [null, null, 0] } },
  { name: "symbol", source: "return Symbol('s')", expect: "CODE_INVALID_OUTPUT" },
  { name: "BigInt", source: "return 10n", expect: "CODE_INVALID_OUTPUT" },
  { name: "circular", source: "const o = {}; o.self = o; return o", expect: "CODE_INVALID_OUTPUT" },
  { name: "Date", source: "return new Date(0)", expect: { value: "1970-01-01T00:00:00.000Z" } },
  { name: "deeply nested output", source: "let o = {}; for (let i = 0; i < 1e5; i++) o = { o }; return o", options: generous, expect: { anyOf: ["CODE_MEMORY_LIMIT", "CODE_INVALID_OUTPUT"] } },
  {
    name: "deeply nested input",
    source: "return 1",
    input: JSON.parse("[".repeat(5000) + "]".repeat(5000)) as unknown,
    expect: { satisfies: (v) => v === 1, orError: ["CODE_MEMORY_LIMIT", "CODE_ERROR"] },
  },

  // --- hostile errors ---
  { name: "rejected promise", source: "return Promise.reject(new Error('later'))", expect: "CODE_ERROR" },
  { name: "throw an object", source: "throw { custom: 1 }", expect: "CODE_ERROR" },
  { name: "throw null", source: "throw null", expect: "CODE_ERROR" },
  { name: "error message getter loops", source: "const e = new Error('x'); Object.defineProperty(e, 'message', { get() { while (true) {} } }); throw e", options: fast, expect: "CODE_TIMEOUT" },
  { name: "unprintable thrown value", source: "throw { toString() { throw 1 }, toJSON() { throw 2 } }", expect: "CODE_ERROR" },
  { name: "syntax error", source: "return (", expect: "CODE_ERROR" },

  // --- CPU: loops, awaits, never-settling promises, pathological built-ins ---
  { name: "while(true)", source: "while (true) {}", options: fast, expect: "CODE_TIMEOUT" },
  { name: "catching the interrupt", source: "for (;;) { try { while (true) {} } catch (e) {} }", options: fast, expect: "CODE_TIMEOUT" },
  { name: "await loop", source: "while (true) { await null }", options: fast, expect: "CODE_TIMEOUT" },
  { name: "await new Promise loop", source: "while (true) await new Promise((r) => r())", options: fast, expect: "CODE_TIMEOUT" },
  { name: "await a resolved promise forever", source: "const p = Promise.resolve(); for (;;) { await p }", options: fast, expect: "CODE_TIMEOUT" },
  { name: "never-resolving promise", source: "await new Promise(() => {})", expect: "CODE_TIMEOUT" },
  { name: "setTimeout does not exist", source: "await new Promise((r) => setTimeout(r, 10))", expect: "CODE_ERROR" },
  { name: "background loop after returning", source: "(async () => { for (;;) await 0 })(); return 1", options: fast, expect: { value: 1 } },
  { name: "catastrophic regex", source: "return /^(a+)+$/.test('a'.repeat(40) + 'b')", options: fast, expect: "CODE_TIMEOUT" },
  { name: "sort comparator loops", source: "return [3, 2, 1].sort(() => { while (true) {} })", options: fast, expect: "CODE_TIMEOUT" },
  { name: "deep recursion", source: "function f() { return f() + 1 } return f()", expect: "CODE_MEMORY_LIMIT" },
  // Each caught overflow builds a backtrace the depth of the stack without polling the
  // interrupt handler, so this overruns its deadline (≈ 4 s at 64 KiB, 11-13 s at the
  // default 256 KiB on the dev machine). A small stack keeps the test quick; see the report.
  { name: "recursion retried on overflow", source: "function f() { try { return f() } catch { return f() } } return f()", options: { timeoutMs: 150, stackBytes: 32 * 1024 }, expect: { anyOf: ["CODE_TIMEOUT", "CODE_MEMORY_LIMIT"] } },
  { name: "console flood", source: "for (;;) console.log('spam')", options: fast, expect: "CODE_TIMEOUT" },
  { name: "one huge console line", source: "console.log('x'.repeat(1e7)); return 1", options: generous, expect: { value: 1 } },

  // --- memory ---
  { name: "'x'.repeat(1e9)", source: "return 'x'.repeat(1e9)", expect: "CODE_MEMORY_LIMIT" },
  { name: "ArrayBuffer bomb (64 MiB default)", source: "const a = []; for (;;) a.push(new ArrayBuffer(1 << 20))", options: { timeoutMs: 10_000 }, expect: "CODE_MEMORY_LIMIT" },
  { name: "growing object array", source: "const a = []; for (;;) a.push({ i: a.length })", options: smallHeap, expect: { anyOf: ["CODE_MEMORY_LIMIT", "CODE_TIMEOUT"] } },
  { name: "growing string array", source: "const a = []; for (;;) a.push('y'.repeat(1000) + a.length)", options: smallHeap, expect: { anyOf: ["CODE_MEMORY_LIMIT", "CODE_TIMEOUT"] } },
  { name: "string doubling", source: "let s = 'x'; for (;;) s += s", expect: { anyOf: ["CODE_MEMORY_LIMIT", "CODE_ERROR"] } },
  { name: "huge typed array", source: "return new Uint8Array(1e9).length", expect: { anyOf: ["CODE_MEMORY_LIMIT", "CODE_ERROR"] } },
  { name: "huge array fill", source: "return new Array(1e8).fill(0).length", options: smallHeap, expect: { anyOf: ["CODE_MEMORY_LIMIT", "CODE_TIMEOUT"] } },
  { name: "Map bomb", source: "const m = new Map(); for (let i = 0; ; i++) m.set(i, 'v' + i)", options: smallHeap, expect: { anyOf: ["CODE_MEMORY_LIMIT", "CODE_TIMEOUT"] } },
  { name: "catching out of memory", source: "try { 'x'.repeat(1e9) } catch (e) { return String(e) }", expect: { satisfies: isString } },
  { name: "invalid array length", source: "return new Array(2 ** 32).length", expect: "CODE_ERROR" },

  // --- state does not carry over between runs ---
  { name: "globals set by an earlier run are gone", source: "return [typeof globalThis.escaped, Object.prototype.polluted, JSON.stringify.name]", expect: { value: ["undefined", null, "stringify"] } },
];

/** What one case ended with, however it was run (runInSandbox directly, or a code node in a flow). */
export interface EscapeOutcome {
  /** Error code, when it failed. */
  code?: string;
  message?: string;
  /** Values the case may have returned; the check passes when any of them fits (a flow cannot tell `[x]` from `x`). */
  values: readonly unknown[];
}

export function checkEscapeOutcome(c: EscapeCase, out: EscapeOutcome, via: string): void {
  const label = `${via}: ${c.name}: ${out.code ? `${out.code} ${out.message}` : `value ${JSON.stringify(out.values)}`}`;
  const expectation = c.expect;
  if (typeof expectation === "string") {
    expect(out.code, label).toBe(expectation);
  } else if ("anyOf" in expectation) {
    expect(expectation.anyOf, label).toContain(out.code);
  } else if ("value" in expectation) {
    expect(out.code, label).toBeUndefined();
    expect(out.values, label).toContainEqual(expectation.value);
  } else if (out.code) {
    expect(expectation.orError ?? [], label).toContain(out.code);
  } else {
    expect(out.values.some(expectation.satisfies), label).toBe(true);
  }
  if (out.code) expect(out.message?.length, label).toBeGreaterThan(0);
}
