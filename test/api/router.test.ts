import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createApp } from "../../api/app.ts";
import { apiHarness } from "../helpers/api-harness.ts";
import { tempDir } from "../helpers/temp-store.ts";

describe("routing", () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it("routes every request, webhooks included, with Hono's RegExpRouter (one route it cannot take sends the whole app to the slower TrieRouter)", async () => {
    const h = await apiHarness();
    cleanup.push(() => h.close());
    const editor = tempDir();
    cleanup.push(() => editor.remove());
    mkdirSync(path.join(editor.dir, "assets"));
    writeFileSync(path.join(editor.dir, "index.html"), "<!doctype html><title>Runnel</title>");
    const app = createApp({ engine: h.engine, version: "test", maxBodyBytes: 1024, editorDist: editor.dir });

    expect((await app.request("/api/runs/counts")).status).toBe(200);
    expect(app.router.name).toBe("SmartRouter + RegExpRouter");
  });

  it("still answers /api/runs/counts beside /api/runs/:id", async () => {
    const h = await apiHarness();
    cleanup.push(() => h.close());
    const counts = await h.call("GET", "/api/runs/counts");
    expect(counts.status).toBe(200);
    expect(counts.json).toEqual({ counts: {} });
    const missing = await h.call("GET", "/api/runs/run_01nothinghere0000000000000");
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe("NOT_FOUND");
  });
});
