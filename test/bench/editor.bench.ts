/**
 * Editor benchmark (issue 6): a 100-node and a 1,000-node/1,200-edge flow in headless
 * Chromium — cold load until the canvas shows nodes, JS heap after GC, and frame
 * intervals while panning with wheel events for 5 s. Run: `npm run bench editor` (or `npx tsx test/bench/editor.bench.ts 1000`).
 * Goals at 1,000 nodes: load < 1.5 s, heap < 100 MB, frames median ≤ 17 ms, p95 < 25 ms,
 * none > 50 ms. Results go to test/bench/results/editor.json (gitignored).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { startRealServer } from "../helpers/real-server.ts";
import { CHROMIUM_PATH } from "../helpers/browser.ts";
import { ensureEditorBuilt } from "../e2e/editor-harness.ts";

export interface EditorBenchResult {
  nodes: number;
  edges: number;
  loadMs: number;
  domNodes: number;
  heapMB: number;
  frames: number;
  medianMs: number;
  p95Ms: number;
  maxMs: number;
}

export function generateFlow(n: number): { name: string; nodes: unknown[]; edges: unknown[] } {
  const nodes = Array.from({ length: n }, (_, i) => ({
    id: `n${i}`,
    type: i === 0 ? "webhook" : i % 3 === 0 ? "filter" : "log",
    position: { x: (i % 40) * 280, y: Math.floor(i / 40) * 140 },
    config: i === 0 ? { path: `bench-${n}-${Date.now()}` } : i % 3 === 0 ? { condition: "true" } : {},
  }));
  const edges: { id: string; source: string; sourcePort: string; target: string; targetPort: string }[] = [];
  for (let i = 1; i < n; i++) edges.push({ id: `e${i}`, source: `n${i - 1}`, sourcePort: "out", target: `n${i}`, targetPort: "in" });
  for (let i = 0; edges.length < Math.round(n * 1.2) && i < n - 2; i += 4) {
    edges.push({ id: `x${i}`, source: `n${i}`, sourcePort: "out", target: `n${i + 2}`, targetPort: "in" });
  }
  return { name: `Bench ${n}`, nodes, edges };
}

const FRAME_RECORDER = `window.__frames = []; (function () { let last = performance.now();
  function tick(t) { window.__frames.push(t - last); last = t; requestAnimationFrame(tick); } requestAnimationFrame(tick); })();`;

export async function runEditorBench(sizes = [100, 1000]): Promise<EditorBenchResult[]> {
  ensureEditorBuilt();
  const server = await startRealServer();
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ["--no-sandbox", "--disable-gpu", "--js-flags=--expose-gc"] });
  const results: EditorBenchResult[] = [];
  try {
    for (const n of sizes) {
      const flow = generateFlow(n);
      const res = await fetch(`${server.url}/api/flows`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(flow) });
      if (!res.ok) throw new Error(`could not create the ${n}-node flow: ${res.status} ${await res.text()}`);
      const { id } = (await res.json()) as { id: string };
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      const page = await context.newPage();
      const started = Date.now();
      await page.goto(`${server.url}/flows/${id}`);
      await page.waitForFunction(() => document.querySelectorAll(".rn-node").length > 0);
      const loadMs = Date.now() - started;
      await page.waitForTimeout(300);
      const domNodes = await page.evaluate(() => document.querySelectorAll(".react-flow__node").length);
      await page.evaluate("window.gc && window.gc()");
      const heapMB = await page.evaluate("performance.memory.usedJSHeapSize / 1e6") as number;
      const before = await page.evaluate(() => document.querySelector(".react-flow__viewport")?.getAttribute("style") ?? "");
      await page.mouse.move(700, 400);
      await page.evaluate(FRAME_RECORDER);
      const end = Date.now() + 5000;
      for (let i = 0; Date.now() < end; i++) await page.mouse.wheel(i % 200 < 100 ? 30 : -30, 8);
      const frames = ((await page.evaluate("window.__frames")) as number[]).slice(2).sort((a, b) => a - b);
      const after = await page.evaluate(() => document.querySelector(".react-flow__viewport")?.getAttribute("style") ?? "");
      if (before === after) throw new Error("the wheel did not pan the canvas; the frame figures would be meaningless");
      const q = (p: number) => Number(frames[Math.min(frames.length - 1, Math.floor(frames.length * p))]!.toFixed(1));
      results.push({ nodes: n, edges: flow.edges.length, loadMs, domNodes, heapMB: Number(heapMB.toFixed(1)), frames: frames.length, medianMs: q(0.5), p95Ms: q(0.95), maxMs: q(1) });
      await context.close();
    }
  } finally {
    await browser.close();
    await server.stop();
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  const results = await runEditorBench(sizes.length ? sizes : undefined);
  console.table(results);
  const big = results.find((r) => r.nodes === 1000);
  if (big) {
    const goals = { "load < 1.5 s": big.loadMs < 1500, "heap < 100 MB": big.heapMB < 100, "median ≤ 17 ms": big.medianMs <= 17, "p95 < 25 ms": big.p95Ms < 25, "no frame > 50 ms": big.maxMs <= 50 };
    console.table(goals);
  }
  const dir = path.resolve(import.meta.dirname, "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "editor.json"), JSON.stringify({ at: new Date().toISOString(), results }, null, 2));
}
