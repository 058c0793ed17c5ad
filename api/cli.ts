import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { ConfigError, loadConfig } from "./config.ts";
import { editorDistDir, startServer, type Role } from "./server.ts";
import { startWorker } from "./worker-process.ts";

const USAGE = "usage: runnel [start | api | worker]";

/** `npm start` builds the editor first when its sources are newer than the build. */
function ensureEditorBuilt(): void {
  const index = path.join(editorDistDir, "index.html");
  const sources = path.join(editorDistDir, "..", "src");
  if (existsSync(index) && newestMtime(sources) <= statSync(index).mtimeMs) return;
  process.stderr.write("building the editor (first start or changed sources)…\n");
  const result = spawnSync(process.execPath, [path.join(editorDistDir, "..", "..", "node_modules", "vite", "bin", "vite.js"), "build", "--logLevel", "warn"], {
    cwd: path.join(editorDistDir, "..", ".."),
    stdio: "inherit",
  });
  if (result.status !== 0) throw new Error("building the editor failed; see the output above");
}

function newestMtime(dir: string): number {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

async function main(argv: string[]): Promise<void> {
  const command = argv[0] ?? "start";
  if (!["start", "api", "worker"].includes(command)) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  if (command !== "worker") ensureEditorBuilt();
  const server = command === "worker" ? await startWorker(config) : await startServer(config, command as Role);
  // A bug in one node's promise handling must not take every other run down with it.
  process.on("unhandledRejection", (reason) => {
    process.stderr.write(`unhandled promise rejection (ignored): ${reason instanceof Error ? reason.stack : String(reason)}\n`);
  });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      // A second Ctrl-C means "now"; a repeated SIGTERM (a supervisor insisting) changes nothing.
      if (signal !== "SIGINT") return;
      process.stderr.write(`${signal} again: exiting now; unfinished runs resume at the next start\n`);
      process.exit(130);
    }
    stopping = true;
    process.stderr.write(`${signal}: finishing in-flight steps (up to ${config.shutdownTimeoutMs} ms)…\n`);
    server.close().then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`shutdown failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`runnel failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
