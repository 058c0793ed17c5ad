import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import path from "node:path";

/**
 * Before the suite: the server bundle that `runnel` runs (so the many tests that start a real
 * server do not all build it at once), and the editor when it is missing, so e2e tests see a
 * real build.
 */
export default function setup(): void {
  const root = path.resolve(import.meta.dirname, "..", "..");
  const bundled = spawnSync(process.execPath, ["--input-type=module", "-e", `await (await import("./bin/server-bundle.js")).ensureServerBundle()`], {
    cwd: root,
    stdio: "inherit",
  });
  if (bundled.status !== 0) throw new Error("building the server bundle failed");
  if (existsSync(path.join(root, "editor", "dist", "index.html"))) return;
  const result = spawnSync(process.execPath, [path.join(root, "node_modules", "vite", "bin", "vite.js"), "build", "--logLevel", "warn"], {
    cwd: root,
    stdio: "inherit",
  });
  if (result.status !== 0) throw new Error("vite build failed");
}
