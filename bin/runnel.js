#!/usr/bin/env node
// Entry point for `runnel` and the npm scripts: runs the TypeScript sources through tsx.
import { register } from "tsx/esm/api";

register();
await import("../api/cli.ts");
