// The http node on the guarded fetch the server uses: every redirect hop is checked again.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_HTTP_RESPONSE_BYTES } from "../../engine/nodes/http-client.ts";
import { parseAllowList } from "../../engine/security/allow-list.ts";
import { createGuardedFetch } from "../../engine/security/engine-fetch.ts";
import { engineHarness } from "../helpers/engine-harness.ts";
import { flow } from "../helpers/flows.ts";
import { json, startHttpTarget } from "../helpers/http-target.ts";

describe("http node behind the SSRF guard", () => {
  let allowed: Awaited<ReturnType<typeof startHttpTarget>>;
  let internal: Awaited<ReturnType<typeof startHttpTarget>>;
  let h: Awaited<ReturnType<typeof engineHarness>>;

  beforeAll(async () => {
    internal = await startHttpTarget({ "/secret": (_req, res) => json(res, 200, { internal: true }) });
    allowed = await startHttpTarget({
      "/ok": (_req, res) => json(res, 200, { ok: true }),
      "/hop": (_req, res) => json(res, 302, {}, { location: "/ok" }),
      "/to-internal": (_req, res) => json(res, 302, {}, { location: `${internal.url}/secret` }),
      "/to-metadata": (_req, res) => json(res, 307, {}, { location: "http://169.254.169.254/latest/meta-data/" }),
    });
    const port = new URL(allowed.url).port;
    const fetch = createGuardedFetch({ allow: parseAllowList(`127.0.0.1:${port}`), maxResponseBytes: MAX_HTTP_RESPONSE_BYTES });
    h = await engineHarness({ fetch });
  });
  afterAll(async () => {
    await h.close();
    await allowed.close();
    await internal.close();
  });

  const call = async (url: string) => {
    const run = await h.runFlow(flow("ssrf", [{ id: "m", type: "manual" }, { id: "h", type: "http", config: { url } }], ["m->h"]), {});
    return run.steps.find((s) => s.nodeId === "h")!;
  };

  it("follows redirects within what RUNNEL_HTTP_ALLOW admits", async () => {
    const step = await call(`${allowed.url}/hop`);
    expect(step.status).toBe("succeeded");
    expect(step.outputs.out![0]).toMatchObject({ status: 200, body: { ok: true } });
  });

  it("refuses a redirect to another loopback port or the metadata address, and never connects there", async () => {
    for (const path of ["/to-internal", "/to-metadata"]) {
      const step = await call(`${allowed.url}${path}`);
      expect(step.error, path).toMatchObject({ code: "SSRF_BLOCKED", message: expect.stringContaining("RUNNEL_HTTP_ALLOW") });
      expect(step.attempts).toBe(1);
    }
    expect(internal.seen).toHaveLength(0);
    const direct = await call(`${internal.url}/secret`);
    expect(direct.error?.message).toContain(`add "127.0.0.1:${new URL(internal.url).port}" to RUNNEL_HTTP_ALLOW`);
  });
});
