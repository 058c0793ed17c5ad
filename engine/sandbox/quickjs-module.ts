// The QuickJS WebAssembly modules that sandboxed code runs in.
//
// Why not simply getQuickJS(): in this build QuickJS cannot see allocation sizes
// ("malloc_usable_size unavailable"), so runtime.setMemoryLimit() only stops single huge
// allocations; a loop of 1 MiB ArrayBuffers grew the shared wasm heap past 2 GB in a
// probe. The real bound is therefore the WebAssembly.Memory itself: each module gets a
// Memory whose `maximum` is the build's initial 16 MiB (C stack, static data, a little
// heap) plus the caller's memory budget. When user code exhausts it, malloc fails and
// QuickJS throws "out of memory" (or, when even the error cannot be allocated, null).
//
// A wasm Memory never shrinks, and a wasm trap (e.g. V8's own stack overflow while QuickJS
// recurses natively) can leave the instance inconsistent. So a module is retired — dropped
// from the pool, to be garbage-collected with its memory — after it trapped, after a run
// that grew its memory noticeably, or after many runs. Creating one costs ~10 ms.
// Runs on one module never overlap: a run is synchronous once it has its module.
import { newQuickJSWASMModuleFromVariant, newVariant, RELEASE_SYNC, type QuickJSWASMModule } from "quickjs-emscripten";

const PAGE = 64 * 1024;
/** The release-sync build imports a memory of at least 256 pages. */
const BASE_BYTES = 16 * 1024 * 1024;
/** Retire after a run leaves the memory this much above its initial size. */
const GROWTH_RETIRE_BYTES = 16 * 1024 * 1024;
const RETIRE_AFTER_RUNS = 5_000;

export interface PooledModule {
  readonly module: QuickJSWASMModule;
  readonly memory: WebAssembly.Memory;
  /** Upper bound of `memory`, in bytes. */
  readonly maxBytes: number;
  runs: number;
  retired: boolean;
  /** Whether the most recent attempt to grow the memory was refused (the cap was hit). */
  growthRefused: boolean;
}

const pool = new Map<number, Promise<PooledModule>>();

/** A live module whose memory cap fits `memoryBytes` of user heap. */
export async function acquireModule(memoryBytes: number): Promise<PooledModule> {
  const pages = Math.ceil((BASE_BYTES + memoryBytes) / PAGE);
  for (;;) {
    let pending = pool.get(pages);
    if (pending === undefined) {
      pending = createModule(pages);
      pool.set(pages, pending);
      // A failed load must not poison the pool for later callers.
      pending.catch(() => pool.get(pages) === pending && pool.delete(pages));
    }
    const pooled = await pending;
    if (!pooled.retired) return pooled;
    if (pool.get(pages) === pending) pool.delete(pages);
  }
}

async function createModule(pages: number): Promise<PooledModule> {
  const memory = new WebAssembly.Memory({ initial: BASE_BYTES / PAGE, maximum: pages });
  const module = await newQuickJSWASMModuleFromVariant(newVariant(RELEASE_SYNC, { wasmMemory: memory }));
  const pooled: PooledModule = { module, memory, maxBytes: pages * PAGE, runs: 0, retired: false, growthRefused: false };
  // Emscripten's heap resize calls memory.grow() from JS, retrying smaller sizes before it
  // gives up; so "the last attempt failed" means malloc is about to return NULL. Watching
  // it tells a genuine out-of-memory apart from user code that merely throws null.
  const grow = memory.grow.bind(memory);
  memory.grow = (delta: number): number => {
    try {
      const previous = grow(delta);
      pooled.growthRefused = false;
      return previous;
    } catch (error) {
      pooled.growthRefused = true;
      throw error;
    }
  };
  return pooled;
}

/** Take a module out of service; runs that already hold it may finish, nobody new gets it. */
export function retireModule(pooled: PooledModule): void {
  pooled.retired = true;
  for (const [pages, pending] of pool) {
    pending.then(
      (p) => p === pooled && pool.get(pages) === pending && pool.delete(pages),
      () => {}, // a failed load removes itself (see acquireModule)
    );
  }
}

/** Call before each run. */
export function beginRun(pooled: PooledModule): void {
  pooled.growthRefused = false;
}

/** Bookkeeping after each run: retire modules that grew or have served long enough. */
export function releaseModule(pooled: PooledModule): void {
  pooled.runs++;
  if (pooled.memory.buffer.byteLength > BASE_BYTES + GROWTH_RETIRE_BYTES || pooled.runs >= RETIRE_AFTER_RUNS) {
    retireModule(pooled);
  }
}

