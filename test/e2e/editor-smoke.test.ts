import { mkdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { launchChromium } from "../helpers/browser.ts";
import { flow } from "../helpers/flows.ts";
import { startRealServer, type RealServer } from "../helpers/real-server.ts";
import { artifacts, describeInBrowser } from "./editor-harness.ts";

describeInBrowser("editor in Chromium", () => {
  let server: RealServer;
  let browser: Browser;
  beforeAll(async () => {
    [server, browser] = await Promise.all([startRealServer(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("opens a flow by its deep link and draws its nodes and edges", async () => {
    const res = await fetch(`${server.url}/api/flows`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(
        flow(
          "Smoke",
          [
            { id: "w", type: "webhook", config: { path: "smoke" } },
            { id: "f", type: "filter", config: { condition: "true" } },
            { id: "l", type: "log" },
          ],
          ["w->f", "f->l"],
        ),
      ),
    });
    const { id } = (await res.json()) as { id: string };
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${server.url}/flows/${id}`);
    await expect.poll(() => page.locator(".react-flow__node").count(), { timeout: 15_000 }).toBe(3);
    await expect.poll(() => page.locator(".react-flow__edge").count()).toBe(2);
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: path.join(artifacts, "editor-smoke.png") });
  });
});
