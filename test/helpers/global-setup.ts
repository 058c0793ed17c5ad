import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import path from "node:path";

/** Builds the editor once before the suite when it is missing, so e2e tests see a real build. */
export default function setup(): void {
  const root = path.resolve(import.meta.dirname, "..", "..");
  if (existsSync(path.join(root, "editor", "dist", "index.html"))) return;
  const result = spawnSync(process.execPath, [path.join(root, "node_modules", "vite", "bin", "vite.js"), "build", "--logLevel", "warn"], {
    cwd: root,
    stdio: "inherit",
  });
  if (result.status !== 0) throw new Error("vite build failed");
}
