import { expect, it } from "vitest";
import type { Page } from "playwright-core";
import type { RealServer } from "../helpers/real-server.ts";
import { describeInBrowser, exportedDoc, shot, withEditorSession } from "./editor-harness.ts";

describeInBrowser("editor: box select", () => {
  let server: RealServer;
  let page: Page;

  withEditorSession((session) => void ({ server, page } = session));


  it("shift+drag over two nodes selects both; Delete removes them with their edges; undo brings them back", async () => {
    const flow = {
      schemaVersion: 1, name: "Box select", active: false,
      nodes: [
        { id: "hook", type: "webhook", position: { x: 0, y: 0 }, config: { path: "box-select" } },
        { id: "audit", type: "log", position: { x: 320, y: -90 }, config: {} },
        { id: "notify", type: "log", position: { x: 320, y: 90 }, config: {} },
      ],
      edges: [
        { id: "e1", source: "hook", sourcePort: "out", target: "audit", targetPort: "in" },
        { id: "e2", source: "hook", sourcePort: "out", target: "notify", targetPort: "in" },
      ],
    };
    const res = await fetch(`${server.url}/api/flows`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(flow) });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    await page.goto(`${server.url}/flows/${id}`);
    await expect.poll(() => page.locator(".react-flow__node").count(), { timeout: 15_000 }).toBe(3);
    const original = await exportedDoc(page);

    // A rectangle from empty canvas around both log nodes (and not the webhook).
    const a = (await page.locator('[data-id="audit"]').boundingBox())!;
    const b = (await page.locator('[data-id="notify"]').boundingBox())!;
    const from = { x: Math.min(a.x, b.x) - 30, y: Math.min(a.y, b.y) - 30 };
    const to = { x: Math.max(a.x + a.width, b.x + b.width) + 30, y: Math.max(a.y + a.height, b.y + b.height) + 30 };
    await page.keyboard.down("Shift");
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move(to.x, to.y, { steps: 12 });
    await page.mouse.up();
    await page.keyboard.up("Shift");

    await expect.poll(() => page.locator(".rn-node.is-selected").count()).toBe(2);
    expect(await page.locator('[data-node-id="hook"].is-selected').count()).toBe(0);
    // React Flow's box selection takes the edges of the boxed nodes along (2 nodes + 2 edges).
    await expect.poll(() => page.locator('[data-testid="inspector"] h2').textContent()).toBe("4 selected");
    await shot(page, "box-select-selected");

    await page.keyboard.press("Delete");
    await expect.poll(() => page.locator('[data-testid="node-log"]').count()).toBe(0);
    expect(await page.locator('[data-testid="node-webhook"]').count()).toBe(1);
    expect(await page.locator(".react-flow__edge").count()).toBe(0);

    await page.keyboard.press("Control+z");
    await expect.poll(() => page.locator('[data-testid="node-log"]').count()).toBe(2);
    await expect.poll(() => page.locator(".react-flow__edge").count()).toBe(2);
    expect(await exportedDoc(page)).toEqual(original);
  });
});
