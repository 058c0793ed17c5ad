import { beforeAll, expect, it } from "vitest";
import type { Page } from "playwright-core";
import type { RealServer } from "../helpers/real-server.ts";
import { flow } from "../helpers/flows.ts";
import { describeInBrowser, shot, withEditorSession } from "./editor-harness.ts";

const BROKEN = 'bad ? $error("order " & $string(n) & " is broken") : { "n": n, "ok": true }';
const FIXED = '{ "n": n, "ok": true, "wasBad": bad = true }';

describeInBrowser("editor: run history, step inspection and retry from a node", () => {
  let server: RealServer;
  let page: Page;
  let flowId = "";
  withEditorSession((session) => void ({ server, page } = session));

  const api = async <T,>(path: string, init?: { method?: string; body?: unknown }): Promise<T> => {
    const res = await fetch(`${server.url}${path}`, {
      method: init?.method ?? "GET",
      headers: init?.body === undefined ? {} : { "content-type": "application/json" },
      body: init?.body === undefined ? undefined : JSON.stringify(init.body),
    });
    expect(res.ok, `${path}: ${res.status}`).toBe(true);
    return (await res.json()) as T;
  };
  const runOnce = (payload: unknown) => api<{ runId: string }>(`/api/flows/${flowId}/run`, { method: "POST", body: { payload } });
  const rows = (status?: string) => page.locator(`[data-testid="run-row"]${status ? `[data-status="${status}"]` : ""}`);

  beforeAll(async () => {
    const created = await api<{ id: string }>("/api/flows", {
      method: "POST",
      body: flow(
        "Orders",
        [
          { id: "start", type: "manual" },
          { id: "shape", type: "transform", config: { expression: BROKEN } },
          { id: "done", type: "log" },
        ],
        ["start->shape", "shape->done"],
      ),
    });
    flowId = created.id;
  });


  it("shows three runs arriving live, paints the failed one and explains the failing step", async () => {
    await page.goto(`${server.url}/flows/${flowId}`);
    await page.waitForSelector('[data-testid="node-transform"]');
    await expect.poll(() => page.locator('[data-testid="runs-panel"] .rn-dot.on').count(), { timeout: 5_000 }).toBe(1);

    await runOnce({ n: 1 });
    await runOnce({ n: 2, bad: true });
    await runOnce({ n: 3 });
    await expect.poll(() => rows().count(), { timeout: 10_000 }).toBe(3);
    await expect.poll(() => rows("succeeded").count(), { timeout: 10_000 }).toBe(2);
    await expect.poll(() => rows("failed").count()).toBe(1);
    await shot(page, "runs-01-arrived-live");

    await rows("failed").click();
    await page.waitForURL(/\/runs\/[^/]+$/);
    await page.locator('[data-testid="node-transform"].outcome-failed').waitFor({ timeout: 5_000 });
    expect(await page.locator('[data-testid="node-manual"]').getAttribute("class")).toContain("outcome-succeeded");
    expect(await page.locator('[data-testid="node-log"]').getAttribute("class")).toContain("outcome-unreached");
    // The edge into the failed node was taken; the one after it was not.
    await expect.poll(() => page.locator(".react-flow__edge.edge-traversed").count()).toBe(1);
    await expect.poll(() => page.locator(".react-flow__edge.edge-idle").count()).toBe(1);

    await page.click('[data-testid="node-transform"] .rn-node-title');
    const error = page.locator('[data-testid="step-error"]');
    await expect.poll(() => error.textContent()).toContain("order 2 is broken");
    expect(await error.textContent()).toContain("EXPRESSION_ERROR");
    expect(await page.locator('[data-testid="step-input"]').textContent()).toContain("bad: true");
    expect(await page.locator('[data-testid="step-attempts"]').textContent()).toBe("1");
    await page.locator('[data-testid="step-input"] [data-testid="copy-json"]').click();
    expect(JSON.parse(await page.evaluate(() => navigator.clipboard.readText()))).toEqual({ n: 2, bad: true });
    await shot(page, "runs-02-failed-step");
  });

  it("fixes the flow, retries from the failed node and paints the new run's success", async () => {
    const failedRunId = decodeURIComponent(new URL(page.url()).pathname.split("/").at(-1)!);
    await page.click('[data-testid="tab-config"]');
    const expression = page.locator('[data-field="config.expression"] textarea');
    await expression.fill(FIXED);
    await expression.blur();
    await page.keyboard.press("Control+s");
    await expect.poll(() => page.locator('[data-testid="save-state"]').textContent()).toBe("Saved");

    await page.click('[data-testid="tab-run"]');
    await page.click('[data-testid="retry-from-node"]');
    await page.waitForURL((url) => url.pathname.includes("/runs/") && !url.pathname.endsWith(failedRunId));
    const newRunId = decodeURIComponent(new URL(page.url()).pathname.split("/").at(-1)!);
    await page.locator('[data-testid="node-log"].outcome-succeeded').waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-testid="node-transform"]').getAttribute("class")).toContain("outcome-succeeded");
    await expect.poll(() => page.locator(".react-flow__edge.edge-traversed").count()).toBe(2);
    await expect.poll(() => page.locator('[data-testid="step-outcome"]').textContent()).toBe("succeeded");
    await expect.poll(() => page.locator('[data-testid="step-output-out"]').textContent()).toContain("wasBad: true");
    await expect.poll(() => rows().count()).toBe(4);
    expect(await page.locator('[data-testid="run-shown"]').textContent()).toContain("retry of");
    await shot(page, "runs-03-retried-from-node");

    const retried = await api<{ status: string; retryOf?: string }>(`/api/runs/${newRunId}`);
    expect(retried).toMatchObject({ status: "succeeded", retryOf: failedRunId });
  });

  it("lists every flow's runs on /runs, filters them, and opens one on its flow", async () => {
    await page.click('[data-testid="nav-runs"]');
    await page.waitForURL(/\/runs$/);
    const global = page.locator('[data-testid="global-run-row"]');
    await expect.poll(() => global.count()).toBe(4);
    await page.selectOption('[data-testid="filter-status"]', "failed");
    await expect.poll(() => global.count()).toBe(1);
    expect(page.url()).toContain("status=failed");
    await page.selectOption('[data-testid="filter-status"]', "");
    await page.fill('[data-testid="filter-text"]', '"n":3');
    await expect.poll(() => global.count()).toBe(1);
    await page.fill('[data-testid="filter-text"]', "");
    await expect.poll(() => global.count()).toBe(4);

    // Live: a run started elsewhere shows up without a reload.
    await runOnce({ n: 5 });
    await expect.poll(() => global.count(), { timeout: 10_000 }).toBe(5);
    await shot(page, "runs-04-global-page");

    await global.filter({ hasText: "failed" }).click();
    await page.waitForURL(new RegExp(`/flows/${flowId}/runs/`));
    const failedUrl = page.url();
    await page.locator('[data-testid="node-transform"].outcome-failed').waitFor({ timeout: 5_000 });

    // Retrying the whole run uses the current (fixed) version and opens the new run.
    await page.click('[data-testid="retry-run"]');
    await page.waitForURL((url) => url.href !== failedUrl && url.pathname.includes("/runs/"));
    await page.locator('[data-testid="node-log"].outcome-succeeded').waitFor({ timeout: 10_000 });
  });
});
