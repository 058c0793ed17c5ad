import { expect, it } from "vitest";
import type { Page } from "playwright-core";
import type { RealServer } from "../helpers/real-server.ts";
import { colorAt, describeInBrowser, drag, exportedDoc, port, shot, withEditorSession } from "./editor-harness.ts";

describeInBrowser("editor: first automation, history, clipboard, conflicts, validation", () => {
  let server: RealServer;
  let page: Page;
  let flowId = "";

  withEditorSession((session) => void ({ server, page } = session));


  it("builds webhook → filter → log from an empty canvas in ≤ 10 UI actions and shows the webhook's run", async () => {
    await page.goto(server.url);
    await page.waitForSelector('[data-testid="palette-webhook"]');
    await expect.poll(() => page.locator('[data-testid="empty-state"]').isVisible()).toBe(true);
    await shot(page, "01-empty");

    let actions = 0;
    const act = async (step: () => Promise<void>) => {
      actions++;
      await step();
    };
    await act(() => page.click('[data-testid="palette-webhook"]'));
    await act(async () => {
      const box = (await page.locator('[data-testid="canvas"]').boundingBox())!;
      await drag(page, port(page, "webhook", "out"), { x: box.x + box.width * 0.72, y: box.y + box.height * 0.45 });
    });
    await page.waitForSelector('[data-testid="quick-picker"]');
    await shot(page, "02-quick-connect-picker");
    await act(() => page.click('[data-testid="pick-filter"]'));
    await act(() => page.keyboard.type("body.ok = true"));
    await act(() => page.click('[data-testid="palette-log"]'));
    await shot(page, "03-built");
    await act(() => page.keyboard.press("Control+s"));
    await page.waitForURL(/\/flows\/[^/]+$/);
    flowId = decodeURIComponent(new URL(page.url()).pathname.split("/")[2]!);
    await act(() => page.click('[data-testid="active-toggle"]'));
    await expect.poll(() => page.locator('[data-testid="active-toggle"]').textContent()).toContain("Active");
    await act(() => page.click('[data-testid="copy-webhook"]'));
    expect(actions).toBeLessThanOrEqual(10);

    const stored = (await (await fetch(`${server.url}/api/flows/${flowId}`)).json()) as {
      active: boolean; nodes: { id: string; type: string; config: Record<string, unknown> }[]; edges: { source: string; sourcePort: string; target: string }[];
    };
    expect(stored.active).toBe(true);
    const byType = Object.fromEntries(stored.nodes.map((n) => [n.type, n]));
    expect(byType.filter!.config.condition).toBe("body.ok = true");
    expect(stored.edges.map((e) => `${byType.webhook!.id === e.source ? "webhook" : "filter"}.${e.sourcePort}`).sort()).toEqual(["filter.out", "webhook.out"]);

    const hookUrl = await page.evaluate(() => navigator.clipboard.readText());
    expect(hookUrl).toMatch(new RegExp(`^${server.url}/hooks/`));
    const res = await fetch(hookUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ok: true }) });
    expect(res.status).toBe(202);
    await page.locator('[data-testid="run-row"][data-status="succeeded"]').first().waitFor({ timeout: 10_000 });
    await page.locator('[data-testid="node-log"].outcome-succeeded').waitFor({ timeout: 10_000 });
    await shot(page, "04-run-painted");

    // The inspector previews expressions against the input this node got in that run.
    // (With a run shown a node opens on what it did in that run; its form is the other tab.)
    await page.click('[data-testid="node-filter"] .rn-node-title');
    await page.click('[data-testid="tab-config"]');
    await expect.poll(() => page.locator('[data-field="config.condition"] [data-testid="expression-preview"]').textContent()).toContain("true");
    await shot(page, "04b-expression-preview");

    // Opening a run from the list is a deep link; back hides it again.
    await page.click('[data-testid="run-row"]');
    await page.waitForURL(/\/flows\/[^/]+\/runs\/[^/]+$/);
    await page.goBack();
    await page.waitForURL(/\/flows\/[^/]+$/);
    await expect.poll(() => page.locator(".rn-node.outcome-succeeded").count()).toBe(0);
  });

  it("undo/redo and copy/paste round-trips give back the exact flow document", async () => {
    await page.keyboard.press("Escape");
    const original = await exportedDoc(page);

    // A drag is one undo step; a delete is another.
    const filter = page.locator('[data-testid="node-filter"] .rn-node-title');
    const from = (await filter.boundingBox())!;
    await drag(page, filter, { x: from.x + 60, y: from.y + 140 });
    await page.click('[data-testid="node-log"] .rn-node-title');
    await page.keyboard.press("Delete");
    await expect.poll(() => page.locator('[data-testid="node-log"]').count()).toBe(0);
    const edited = await exportedDoc(page);
    expect(edited).not.toEqual(original);

    await page.keyboard.press("Control+z");
    await page.keyboard.press("Control+z");
    expect(await exportedDoc(page)).toEqual(original);
    await page.keyboard.press("Control+Shift+z");
    await page.keyboard.press("Control+Shift+z");
    expect(await exportedDoc(page)).toEqual(edited);
    await page.keyboard.press("Control+z");
    await page.keyboard.press("Control+z");

    // Copy everything, delete it, paste it back: the same document.
    await page.locator(".react-flow__pane").click({ position: { x: 20, y: 20 } });
    await page.keyboard.press("Control+a");
    await page.keyboard.press("Control+c");
    const clipboard = await page.evaluate(() => navigator.clipboard.readText());
    expect(JSON.parse(clipboard)).toMatchObject({ runnel: "flow-fragment" });
    await page.keyboard.press("Delete");
    await expect.poll(() => page.locator(".react-flow__node").count()).toBe(0);
    await page.keyboard.press("Control+v");
    await expect.poll(() => page.locator(".react-flow__node").count()).toBe(3);
    expect(await exportedDoc(page)).toEqual(original);
  });

  it("offers reload or overwrite when someone else saved meanwhile (409), never overwriting silently", async () => {
    await page.keyboard.press("Escape");
    const current = (await (await fetch(`${server.url}/api/flows/${flowId}`)).json()) as Record<string, unknown>;
    const theirs = await fetch(`${server.url}/api/flows/${flowId}`, {
      method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...current, name: "Changed elsewhere" }),
    });
    expect(theirs.status).toBe(200);
    await page.locator('[data-testid="flow-name"]').fill("Mine");
    await page.keyboard.press("Enter");
    await page.keyboard.press("Control+s");
    await page.locator('[data-testid="conflict"]').waitFor();
    await shot(page, "05-conflict");
    expect(((await (await fetch(`${server.url}/api/flows/${flowId}`)).json()) as { name: string }).name).toBe("Changed elsewhere");
    await page.click('[data-testid="conflict"] >> text=Overwrite with mine');
    await expect.poll(async () => ((await (await fetch(`${server.url}/api/flows/${flowId}`)).json()) as { name: string }).name).toBe("Mine");
    await expect.poll(() => page.locator('[data-testid="save-state"]').textContent()).toBe("Saved");
    expect(await page.locator('[data-testid="conflict"]').count()).toBe(0);
  });

  it("shows why a connection is refused, and the server's validation problems on the node", async () => {
    await page.keyboard.press("Escape");
    // log.out → filter.in would close a loop: the hint says so while dragging, a toast after.
    const target = (await port(page, "filter", "in", "target").boundingBox())!;
    await drag(page, port(page, "log", "out"), port(page, "filter", "in", "target"), async () => {
      // A last small move, as a hand makes, so the canvas re-evaluates the port under the pointer.
      await page.mouse.move(target.x + target.width / 2 + 1, target.y + target.height / 2, { steps: 2 });
      await page.locator('[data-testid="connection-hint"]').waitFor({ timeout: 5_000 });
      await shot(page, "06-refused-connection");
    });
    await expect.poll(() => page.locator('[data-testid="notice"]').textContent()).toMatch(/loop/);
    expect(await page.locator(".react-flow__edge").count()).toBe(2);

    await page.click('[data-testid="node-filter"] .rn-node-title');
    await page.locator('[data-field="config.condition"] textarea').fill("");
    await page.keyboard.press("Control+s");
    await page.locator('[data-testid="node-filter"] [data-testid="node-problem"]').waitFor();
    await expect.poll(() => page.locator('[data-field="config.condition"] .rn-field-problem').textContent()).toMatch(/condition/);
    await shot(page, "07-server-validation");
    // Escape closes the docked inspector even with the cursor inside one of its fields.
    await page.locator('[data-field="config.condition"] textarea').focus();
    await page.keyboard.press("Escape");
    await expect.poll(() => page.locator('[data-field="config.condition"]').count()).toBe(0);
    // Editing the field clears its marker; the next save re-checks.
    await page.click('[data-testid="node-filter"] .rn-node-title');
    await page.locator('[data-field="config.condition"] textarea').fill("body.ok = true");
    await expect.poll(() => page.locator('[data-testid="node-filter"] [data-testid="node-problem"]').count()).toBe(0);
    await page.keyboard.press("Control+s");
    await expect.poll(() => page.locator('[data-testid="save-state"]').textContent()).toBe("Saved");

    // Multi-select: shift-click adds to the selection; the inspector says how many.
    await page.keyboard.press("Escape");
    await page.click('[data-testid="node-webhook"] .rn-node-title');
    await page.click('[data-testid="node-log"] .rn-node-title', { modifiers: ["Shift"] });
    await expect.poll(() => page.locator('[data-testid="inspector"] h2').textContent()).toBe("2 selected");
  });

  it("walks deep links with the back button, drops from the palette, imports JSON, duplicates and deletes flows", async () => {
    page.on("dialog", (dialog) => void dialog.accept()); // "discard unsaved changes?" and "delete?"
    const firstUrl = page.url();
    await page.click('[data-testid="new-flow"]');
    await page.waitForURL(`${server.url}/`);
    await page.locator('[data-testid="empty-state"]').waitFor();
    await page.dragAndDrop('[data-testid="palette-manual"]', '[data-testid="canvas"]', { targetPosition: { x: 300, y: 200 } });
    await page.locator('[data-testid="node-manual"]').waitFor();
    await page.locator('[data-testid="flow-name"]').fill("Second");
    await page.keyboard.press("Enter");
    await page.keyboard.press("Control+s");
    await page.waitForURL(/\/flows\/[^/]+$/);
    const secondUrl = page.url();

    await page.goBack();
    await page.waitForURL(firstUrl);
    await page.locator('[data-testid="node-webhook"]').waitFor();
    expect(await page.locator('[data-testid="flow-name"]').inputValue()).toBe("Mine");
    // Copy in one flow, paste into another: the clipboard carries flow JSON.
    await page.click('[data-testid="node-webhook"] .rn-node-title');
    await page.keyboard.press("Control+c");
    await page.goForward();
    await page.waitForURL(secondUrl);
    await page.locator('[data-testid="node-manual"]').waitFor();
    await page.locator(".react-flow__pane").click({ position: { x: 30, y: 30 } });
    await page.keyboard.press("Control+v");
    await page.locator('[data-testid="node-webhook"]').waitFor();
    await page.keyboard.press("Control+z");
    await expect.poll(() => page.locator('[data-testid="node-webhook"]').count()).toBe(0);

    const imported = { schemaVersion: 1, name: "Imported", active: false, nodes: [
      { id: "a", type: "manual", position: { x: 0, y: 0 }, config: { payload: { n: 1 } } },
      { id: "b", type: "log", position: { x: 300, y: 0 }, config: { level: "info", message: "{{ n }}" } },
    ], edges: [{ id: "ab", source: "a", sourcePort: "out", target: "b", targetPort: "in" }] };
    await page.locator('[data-testid="import-file"]').setInputFiles({ name: "flow.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(imported)) });
    await expect.poll(() => page.locator(".react-flow__node").count()).toBe(2);
    expect(await exportedDoc(page)).toEqual(imported);
    await page.keyboard.press("Control+z");
    await expect.poll(() => page.locator('[data-testid="flow-name"]').inputValue()).toBe("Second");

    await page.locator(".rn-flowlist-items li", { hasText: "Second" }).hover();
    await page.click('button[aria-label="Duplicate Second"]');
    await page.locator(".rn-flowlist-items li", { hasText: "Second (copy)" }).waitFor();
    await expect.poll(() => page.locator('[data-testid="flow-name"]').inputValue()).toBe("Second (copy)");
    await page.locator(".rn-flowlist-items li", { hasText: "Second (copy)" }).hover();
    await page.click('button[aria-label="Delete Second (copy)"]');
    await page.waitForURL(`${server.url}/`);
    await expect.poll(() => page.locator(".rn-flowlist-items li", { hasText: "Second (copy)" }).count()).toBe(0);
    await page.goto(firstUrl);
    await page.locator('[data-testid="node-webhook"]').waitFor();
  });

  it("adds a sticky note, lays the flow out, and looks right in dark theme and zoomed out", async () => {
    await page.keyboard.press("Escape");
    await page.click('button[aria-label="Add note"]');
    await page.locator('[data-testid="sticky-note"] textarea').fill("Deploys only from main.");
    await page.click('button[aria-label="Auto-layout"]');
    await page.waitForTimeout(300);
    await shot(page, "08-note-and-layout");
    // The note is on screen, not under the canvas background: its own colour shows through.
    const note = page.locator('[data-testid="sticky-note"]');
    const box = (await note.boundingBox())!;
    const noteColor = await note.evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(await colorAt(page, box.x + box.width / 2, box.y + box.height - 20)).toBe(noteColor);
    await page.click('button[aria-label="Toggle theme"]');
    await shot(page, "09-dark");
    for (let i = 0; i < 4; i++) await page.click(".react-flow__controls-zoomout");
    await page.locator(".rn-node.is-simple").first().waitFor();
    await shot(page, "10-zoomed-out");
    await page.click('button[aria-label="Toggle theme"]');
  });
});
