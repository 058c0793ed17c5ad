// The sandbox worker's code, bundled once per process into plain CommonJS that a worker
// thread evaluates directly.
//
// Why a bundle: a worker thread does not inherit the parent's TypeScript loader (tsx under
// `npm start`, Vite under vitest), and registering tsx inside each thread cost 0.5-1 s of
// start-up (measured: tsx's require hook 1.0-3.0 s to a ready thread on a loaded 2-core
// machine, its ESM hooks more; this bundle 0.26-1.1 s in the same conditions, 17 KB, built in
// ~0.2 s). quickjs-emscripten stays external: it locates its .wasm file next to itself.
import { build } from "esbuild";
import path from "node:path";
import { packageRoot } from "../package-root.ts";

const ENTRY = path.join(packageRoot, "engine", "sandbox", "sandbox-worker.ts");

let bundle: Promise<string> | undefined;

export function workerBundle(): Promise<string> {
  bundle ??= build({
    entryPoints: [ENTRY],
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20",
    external: ["quickjs-emscripten"],
    write: false,
    logLevel: "silent",
  }).then(
    (result) =>
      // An eval'd worker resolves `require` from the working directory; resolve from here instead.
      `const require = module.require("node:module").createRequire(${JSON.stringify(ENTRY)});\n${result.outputFiles[0]!.text}`,
    (error: unknown) => {
      bundle = undefined;
      throw error;
    },
  );
  return bundle;
}
