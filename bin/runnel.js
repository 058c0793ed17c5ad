#!/usr/bin/env -S node --v8-pool-size=0
// Entry point for `runnel` and the npm scripts: runs the server bundle (see server-bundle.js).
// --v8-pool-size=0 (here and in `npm start`) sizes V8's helper threads to the machine's cores less
// one instead of Node's fixed four, which oversubscribe a 2-core VM: +2% to +12% req/s there in
// interleaved A/B runs (docs/performance.md, round 9). Started as `node bin/runnel.js`, pass it too.
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
