import { expect, it } from "vitest";
import type { Page } from "playwright-core";
import type { RealServer } from "../helpers/real-server.ts";
import { describeInBrowser, shot, withEditorSession } from "./editor-harness.ts";

const SECRET = "gh-hook-secret-3f8a91c2";

describeInBrowser("editor: credentials panel and credential fields", () => {
  let server: RealServer;
  let page: Page;

  withEditorSession((session) => void ({ server, page } = session));

  it("creates a webhook secret, offers it in the webhook's auth field, never shows its value, and refuses to delete it while in use", async () => {
    await page.goto(server.url);
    await page.click('[data-testid="new-credential"]');
    await page.locator("#cred-name").fill("GitHub");
    await page.locator("#cred-type").selectOption("webhook-secret");
    const secretInput = page.locator('[data-testid="credential-form"] input[type="password"]');
    await secretInput.fill(SECRET);
    await page.click('[data-testid="save-credential"]');
    await expect.poll(() => page.locator('[data-testid="credential-row"]').textContent()).toContain("GitHub");
    const [stored] = ((await (await fetch(`${server.url}/api/credentials`)).json()) as { credentials: { id: string; name: string }[] }).credentials;
    expect(stored?.name).toBe("GitHub");

    await page.click('[data-testid="palette-webhook"]');
    await page.locator('[data-field="config.auth"] select').first().selectOption("github");
    const credentialSelect = page.locator('[data-field="config.auth.credential"] [data-testid="credential-select"]');
    await expect.poll(() => credentialSelect.locator("option").allTextContents()).toContain("GitHub (webhook-secret)");
    await credentialSelect.selectOption(stored!.id);
    await shot(page, "credentials-webhook-auth");
    expect(await page.content()).not.toContain(SECRET);

    await page.keyboard.press("Control+s");
    await page.waitForURL(/\/flows\/[^/]+$/);
    const flowId = decodeURIComponent(new URL(page.url()).pathname.split("/")[2]!);
    await page.click('[data-testid="active-toggle"]');
    await expect.poll(() => page.locator('[data-testid="active-toggle"]').textContent()).toContain("Active");
    const flow = (await (await fetch(`${server.url}/api/flows/${flowId}`)).json()) as { nodes: { type: string; config: Record<string, unknown> }[] };
    expect(flow.nodes.find((n) => n.type === "webhook")?.config.auth).toEqual({ type: "github", credential: stored!.id });

    page.once("dialog", (dialog) => void dialog.accept());
    await page.locator('[data-testid="credential-row"]').hover();
    await page.click('[data-testid="credential-row"] button[aria-label="Delete GitHub"]');
    await expect.poll(() => page.locator('[data-testid="notice"]').textContent()).toMatch(/used by active flow/);
    expect(await page.locator('[data-testid="credential-row"]').count()).toBe(1);
  });
});
