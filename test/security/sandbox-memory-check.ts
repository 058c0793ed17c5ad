// Memory behaviour of the code sandbox, measured in a process of its own so that forced
// garbage collection is available and the test runner's own allocations do not blur RSS.
//
//   node --expose-gc --import tsx test/security/sandbox-memory-check.ts
//
// Prints one JSON line: RSS and JS heap after warm-up (baseline), after the allocating
// part of the escape corpus (memory bombs, huge outputs and logs, deep nesting — the
// CPU-only cases would add nothing but time), after 500 and after 1,000 further ordinary
// calls, plus the size of the wasm heap before and after.
import { setTimeout as sleep } from "node:timers/promises";
import { acquireModule } from "../../engine/sandbox/quickjs-module.ts";
import { runInSandbox, SandboxError } from "../../engine/sandbox/quickjs-sandbox.ts";
import { ESCAPE_CORPUS } from "./escape-corpus.ts";

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with node --expose-gc");

const MiB = 1024 * 1024;
const DEFAULT_MEMORY = 64 * MiB;

interface Snapshot {
  rss: number;
  heapUsed: number;
}

async function settle(): Promise<Snapshot> {
  // Retired modules' WebAssembly memories are freed when collected.
  for (let i = 0; i < 3; i++) {
    gc!();
    await sleep(30);
  }
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}

const mib = (bytes: number) => +(bytes / MiB).toFixed(1);

async function ordinaryCall(i: number): Promise<void> {
  const result = await runInSandbox(
    "console.log('item', msg.i); return { ...msg, doubled: msg.i * 2, list: [1, 2, 3].map((x) => x + msg.i) }",
    { i, payload: "x".repeat(256) },
  );
  if ((result.value as { doubled: number }).doubled !== i * 2) throw new Error(`wrong result for ${i}`);
}

async function wasmHeap(): Promise<number> {
  return (await acquireModule(DEFAULT_MEMORY)).memory.buffer.byteLength;
}

for (let i = 0; i < 200; i++) await ordinaryCall(i);
const baseline = await settle();
const heapBaseline = await wasmHeap();

const allocating = ESCAPE_CORPUS.filter(
  (c) => /MEMORY_LIMIT|INVALID_OUTPUT/.test(JSON.stringify(c.expect)) || c.options?.memoryBytes !== undefined || /huge|console|nested|bomb/i.test(c.name),
);
const corpusStarted = Date.now();
for (const c of allocating) {
  try {
    await runInSandbox(c.source, c.input ?? null, c.options);
  } catch (error) {
    if (!(error instanceof SandboxError)) throw error;
  }
}
const corpusMs = Date.now() - corpusStarted;
const afterCorpus = await settle();

const callsStarted = Date.now();
for (let i = 0; i < 500; i++) await ordinaryCall(i);
const after500 = await settle();
for (let i = 500; i < 1000; i++) await ordinaryCall(i);
const callsMs = Date.now() - callsStarted;
const after1000 = await settle();
const heapAfter1000 = await wasmHeap();

process.stdout.write(
  `${JSON.stringify({
    rssBaselineMiB: mib(baseline.rss),
    rssAfterCorpusMiB: mib(afterCorpus.rss),
    rssAfter500CallsMiB: mib(after500.rss),
    rssAfter1000CallsMiB: mib(after1000.rss),
    jsHeapBaselineMiB: mib(baseline.heapUsed),
    jsHeapAfterCorpusMiB: mib(afterCorpus.heapUsed),
    jsHeapAfter500CallsMiB: mib(after500.heapUsed),
    jsHeapAfter1000CallsMiB: mib(after1000.heapUsed),
    wasmHeapBaselineMiB: heapBaseline / MiB,
    wasmHeapAfter1000MiB: heapAfter1000 / MiB,
    corpusCases: allocating.length,
    corpusMs,
    callsMs,
  })}\n`,
);
