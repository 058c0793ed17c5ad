// The server's TypeScript sources bundled into dist/runnel.mjs (rebuilt when a source is newer).
// Compiling through a loader at every start cost ~0.5 s and ~35 MB for the loader's thread.
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const serverBundle = path.join(root, "dist", "runnel.mjs");

/** Builds the bundle when it is missing or older than a source; returns its path. */
export async function ensureServerBundle() {
  if (isStale()) await buildBundle();
  return serverBundle;
}

function isStale() {
  if (!existsSync(serverBundle)) return true;
  const built = statSync(serverBundle).mtimeMs;
  const newerIn = (dir) =>
    readdirSync(path.join(root, dir), { withFileTypes: true, recursive: true }).some(
      (entry) => entry.isFile() && entry.name.endsWith(".ts") && statSync(path.join(entry.parentPath, entry.name)).mtimeMs > built,
    );
  return statSync(path.join(root, "package.json")).mtimeMs > built || ["api", "engine"].some(newerIn);
}

async function buildBundle() {
  const { build } = await import("esbuild");
  const result = await build({
    entryPoints: [path.join(root, "api", "cli.ts")],
    outfile: serverBundle,
    write: false,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    sourcemap: "linked",
    sourcesContent: false,
    logLevel: "warning",
  });
  mkdirSync(path.dirname(serverBundle), { recursive: true });
  // Each file written aside and renamed, the bundle last: processes starting together never
  // import a half-written file.
  const files = [...result.outputFiles].sort((a, b) => Number(a.path === serverBundle) - Number(b.path === serverBundle));
  for (const file of files) {
    const temp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(temp, file.contents);
    renameSync(temp, file.path);
  }
}
