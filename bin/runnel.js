#!/usr/bin/env node
// Entry point for `runnel` and the npm scripts: runs the server bundle (see server-bundle.js).
// RUNNEL_FROM_SOURCE=1 runs the TypeScript sources through tsx instead, with no build step.
import { pathToFileURL } from "node:url";

if (process.env.RUNNEL_FROM_SOURCE === "1") {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../api/cli.ts");
} else {
  const { ensureServerBundle } = await import("./server-bundle.js");
  await import(pathToFileURL(await ensureServerBundle()).href);
}
