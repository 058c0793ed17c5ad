import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { inflateSync } from "node:zlib";
import path from "node:path";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe } from "vitest";
import { browserUnavailable, launchChromium } from "../helpers/browser.ts";
import { startRealServer, type RealServer } from "../helpers/real-server.ts";

/** Shared pieces of the editor's browser tests: a fresh build, screenshots, gestures. */

export const root = path.resolve(import.meta.dirname, "..", "..");
export const artifacts = path.join(root, "test", "artifacts");

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds editor/dist when it is missing or older than the editor's sources. */
export function ensureEditorBuilt(): void {
  const index = path.join(root, "editor", "dist", "index.html");
  const sources = Math.max(newestMtime(path.join(root, "editor", "src")), statSync(path.join(root, "editor", "index.html")).mtimeMs);
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  const result = spawnSync(process.execPath, [path.join(root, "node_modules", "vite", "bin", "vite.js"), "build", "--logLevel", "warn"], {
    cwd: root,
    stdio: "inherit",
  });
  if (result.status !== 0) throw new Error("vite build failed");
}

export async function launch(): Promise<Browser> {
  mkdirSync(artifacts, { recursive: true });
  return launchChromium();
}

/**
 * describe() for tests that drive Chromium. Without Chromium it skips and prints why (outside
 * CI); with CI=true browserUnavailable() throws instead, so nothing is skipped there.
 */
export function describeInBrowser(title: string, body: () => void): void {
  describe.skipIf(browserUnavailable())(title, body);
}

export interface EditorSession {
  server: RealServer;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** A real server and a 1440×900 Chromium page on it (clipboard allowed, downloads accepted). */
export async function openEditorSession(): Promise<EditorSession> {
  ensureEditorBuilt();
  const [server, browser] = await Promise.all([startRealServer(), launch()]);
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error("page error:", e.message));
  return {
    server,
    browser,
    context,
    page,
    async close() {
      await browser.close();
      await server.stop();
    },
  };
}

/** Opens an editor session before the block's tests (handing it to `use`) and closes it after. */
export function withEditorSession(use: (session: EditorSession) => void | Promise<void>): void {
  let session: EditorSession | undefined;
  beforeAll(async () => {
    session = await openEditorSession();
    await use(session);
  });
  afterAll(() => session?.close());
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`) });
}

async function centre(locator: Locator): Promise<{ x: number; y: number }> {
  const box = await locator.boundingBox();
  if (!box) throw new Error("element has no box");
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** Press on `from`, move in steps (as a hand would) to `to`, optionally pause, release. */
export async function drag(page: Page, from: Locator, to: { x: number; y: number } | Locator, beforeRelease?: () => Promise<void>): Promise<void> {
  const start = await centre(from);
  const end = "x" in to ? to : await centre(to);
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  await page.mouse.move(end.x, end.y, { steps: 12 });
  if (beforeRelease) await beforeRelease();
  await page.mouse.up();
}

export function port(page: Page, nodeType: string, portName: string, kind: "source" | "target" = "source"): Locator {
  return page.locator(`[data-testid="node-${nodeType}"] .react-flow__handle.${kind}[data-handleid="${portName}"]`);
}

/** Exports the open flow through the UI's Export button and returns the parsed file. */
export async function exportedDoc(page: Page): Promise<unknown> {
  const [download] = await Promise.all([page.waitForEvent("download"), page.click('[data-testid="export"]')]);
  const file = await download.path();
  return JSON.parse(readFileSync(file, "utf8"));
}

/** The colour on screen at a point of the page, as getComputedStyle writes it ("rgb(r, g, b)"). */
export async function colorAt(page: Page, x: number, y: number): Promise<string> {
  const png = await page.screenshot({ clip: { x, y, width: 1, height: 1 } });
  const data: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    if (png.toString("ascii", at + 4, at + 8) === "IDAT") data.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  // One pixel in one row: whatever the row's filter, its bytes follow the filter byte as they are.
  const [, r, g, b] = inflateSync(Buffer.concat(data));
  return `rgb(${r}, ${g}, ${b})`;
}
