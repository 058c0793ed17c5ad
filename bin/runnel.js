#!/usr/bin/env node
// Entry point for `runnel` and the npm scripts: runs the server bundle (see server-bundle.js).
// `npm start` runs it with --v8-pool-size=0: V8's helper threads sized to the machine's cores less
// one instead of Node's fixed four, which oversubscribe a 2-core VM (+2% to +12% req/s there in
// interleaved A/B runs, docs/performance.md round 9). Not in the shebang: `env -S` is missing from
// BusyBox (Alpine images); run `node --v8-pool-size=0 bin/runnel.js …` to have it elsewhere.
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
