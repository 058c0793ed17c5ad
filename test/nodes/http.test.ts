import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FlowInput } from "../../engine/model/index.ts";
import { engineHarness } from "../helpers/engine-harness.ts";
import { flow } from "../helpers/flows.ts";
import { hang, json, reset, startHttpTarget } from "../helpers/http-target.ts";
import { driveClock, until } from "../helpers/wait.ts";

type Harness = Awaited<ReturnType<typeof engineHarness>>;
type Target = Awaited<ReturnType<typeof startHttpTarget>>;

describe("http node against a real server on 127.0.0.1", () => {
  let h: Harness;
  let target: Target;
  let retryAt = 0;

  beforeAll(async () => {
    h = await engineHarness({ fakeClock: true });
    target = await startHttpTarget({
      "/echo": (req, res) =>
        json(res, 200, { method: req.method, path: req.path, key: req.headers["idempotency-key"], type: req.headers["content-type"], token: req.headers["x-token"], body: req.body }),
      "/text": (_req, res) => {
        res.writeHead(200, { "content-type": "text/plain" });
        res.end("plain words");
      },
      "/missing": (_req, res) => json(res, 404, { error: "no such order" }),
      "/flaky": (_req, res, n) => (n === 1 ? json(res, 502, { error: "upstream" }) : json(res, 200, { ok: true, n })),
      "/limited": (_req, res, n) => (n === 1 ? json(res, 429, {}, { "retry-after": "2" }) : json(res, 200, { ok: true })),
      "/unavailable": (_req, res, n) => {
        // An HTTP-date has whole seconds: the wait ends at that second, 2-3 s from now.
        retryAt = Math.floor(h.clock!.now() / 1000) * 1000 + 3_000;
        return n === 1 ? json(res, 503, {}, { "retry-after": new Date(retryAt).toUTCString() }) : json(res, 200, { ok: true });
      },
      "/slow": (_req, res) => hang(res),
      "/reset-once": (_req, res, n) => (n === 1 ? reset(res) : json(res, 200, { ok: true })),
      "/reset": (_req, res) => reset(res),
      "/boom": (_req, res) => json(res, 500, { error: "boom" }),
      "/r1": (_req, res) => json(res, 302, {}, { location: "/r2" }),
      "/r2": (_req, res) => json(res, 302, {}, { location: "/echo" }),
      "/see-other": (_req, res) => json(res, 303, {}, { location: "/echo" }),
    });
  });
  afterAll(async () => {
    await h.close();
    await target.close();
  });

  const call = (config: Record<string, unknown>, settings?: Record<string, unknown>) =>
    flow("Call", [{ id: "m", type: "manual" }, { id: "h", type: "http", config, settings }], ["m->h"]);

  /** Runs the flow, moving the fake clock through backoffs as they come up. */
  async function run(input: FlowInput, message: unknown = {}) {
    const { runId } = await h.startFlow(input, message);
    await driveClock(h.clock!, () => h.isFinished(runId));
    return (await h.store.getRun(runId))!;
  }

  it("sends method, templated URL, query and headers and a JSON body, and passes on { status, headers, body }", async () => {
    const result = await run(
      call({
        method: "POST",
        url: `${target.url}/{{ body.path }}`,
        query: { id: "{{ body.id }}", q: "a b&c" },
        headers: { "X-Token": "t-{{ body.id }}" },
        body: '{ "order": body.id }',
      }),
      { body: { path: "echo", id: 7 } },
    );
    expect(result.status).toBe("succeeded");
    const out = result.steps[1]!.outputs.out![0] as { status: number; headers: Record<string, string>; body: unknown };
    expect(out.status).toBe(200);
    expect(out.headers["content-type"]).toBe("application/json");
    expect(out.body).toEqual({
      method: "POST",
      path: "/echo?id=7&q=a+b%26c",
      key: `${result.id}:h:1`,
      type: "application/json",
      token: "t-7",
      body: '{"order":7}',
    });
  });

  it("parses text answers as text, and fails permanently when JSON was required but not sent", async () => {
    const text = await run(call({ url: `${target.url}/text` }));
    expect(text.steps[1]!.outputs.out![0]).toMatchObject({ status: 200, body: "plain words" });
    const strict = await run(call({ url: `${target.url}/text`, responseFormat: "json" }, { retry: { maxAttempts: 3 } }));
    expect(strict.steps[1]).toMatchObject({ status: "failed", attempts: 1, error: { code: "HTTP_BAD_JSON" } });
  });

  it("does not retry a 4xx other than 408/429", async () => {
    const result = await run(call({ url: `${target.url}/missing` }, { retry: { maxAttempts: 3, backoff: "100ms" } }));
    expect(result.status).toBe("failed");
    expect(result.steps[1]).toMatchObject({ status: "failed", attempts: 1, error: { code: "HTTP_404", details: { status: 404 } } });
    expect(result.steps[1]!.error!.message).toContain("no such order");
    expect(target.to("/missing")).toHaveLength(1);
  });

  it("retries a 5xx and succeeds, with the same Idempotency-Key on every attempt", async () => {
    const result = await run(call({ url: `${target.url}/flaky` }, { retry: { maxAttempts: 3, backoff: "200ms" } }));
    expect(result.status).toBe("succeeded");
    expect(result.steps[1]).toMatchObject({ attempts: 2, outputs: { out: [{ status: 200, body: { ok: true, n: 2 } }] } });
    expect(target.to("/flaky").map((r) => r.headers["idempotency-key"])).toEqual([`${result.id}:h:1`, `${result.id}:h:1`]);
  });

  it.each([
    ["/limited", "429 with Retry-After: 2", (t: number) => t + 2_000],
    ["/unavailable", "503 with an HTTP-date Retry-After", () => retryAt],
  ])("waits as long as %s asks (%s) before retrying", async (path, _what, wakeAt) => {
    const { runId } = await h.startFlow(call({ url: `${target.url}${path}` }, { retry: { maxAttempts: 2, backoff: "100ms" } }), {});
    const t = h.clock!.now();
    await until(() => target.to(path).length === 1 && h.clock!.nextWakeAt() === wakeAt(t), "the backoff sleep");
    const waitMs = wakeAt(t) - t;
    expect(waitMs).toBeGreaterThan(1_000);
    await h.clock!.advance(waitMs - 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(target.to(path)).toHaveLength(1);
    await h.clock!.advance(1);
    await h.finished(runId);
    const result = (await h.store.getRun(runId))!;
    expect(result.steps[1]).toMatchObject({ status: "succeeded", attempts: 2 });
    expect(new Set(target.to(path).map((r) => r.headers["idempotency-key"]))).toEqual(new Set([`${runId}:h:1`]));
  });

  it("aborts a response slower than the timeout and routes the error to the error port", async () => {
    const input = flow(
      "Slow",
      [
        { id: "m", type: "manual" },
        { id: "h", type: "http", config: { url: `${target.url}/slow` }, settings: { timeout: "2s", onError: "continue" } },
        { id: "oops", type: "log", config: { message: "{{ error.code }}" } },
      ],
      ["m->h", "h:error->oops"],
    );
    const { runId } = await h.startFlow(input, { order: 9 });
    const t = h.clock!.now();
    await until(() => target.to("/slow").length === 1 && h.clock!.nextWakeAt() === t + 2_000, "the request to hang");
    await h.clock!.advance(2_000);
    await h.finished(runId);
    const result = (await h.store.getRun(runId))!;
    expect(result.status).toBe("succeeded");
    expect(result.steps[1]).toMatchObject({ status: "failed", error: { code: "TIMEOUT", attempt: 1 } });
    expect(result.steps[2]!.input).toEqual({ order: 9, error: { code: "TIMEOUT", message: "step did not finish within 2000 ms", attempt: 1 } });
    expect(result.steps[2]!.meta).toEqual({ logged: "TIMEOUT" });
  });

  it("retries a reset connection, and reports a network error when it keeps failing", async () => {
    const recovered = await run(call({ url: `${target.url}/reset-once` }, { retry: { maxAttempts: 2, backoff: "100ms" } }));
    expect(recovered.steps[1]).toMatchObject({ status: "succeeded", attempts: 2 });
    const broken = await run(call({ url: `${target.url}/reset` }, { retry: { maxAttempts: 2, backoff: "100ms" } }));
    expect(broken.status).toBe("failed");
    expect(broken.steps[1]).toMatchObject({ attempts: 2, error: { code: "HTTP_NETWORK_ERROR", attempt: 2 } });
  });

  it("follows redirects up to the limit, and turns a 303 after a POST into a GET", async () => {
    const followed = await run(call({ url: `${target.url}/r1` }));
    expect(followed.steps[1]!.outputs.out![0]).toMatchObject({ status: 200, body: { method: "GET", path: "/echo" } });
    expect(followed.steps[1]!.meta).toMatchObject({ redirectedTo: `${target.url}/echo` });
    const limited = await run(call({ url: `${target.url}/r1`, maxRedirects: 1 }));
    expect(limited.steps[1]!.error).toMatchObject({ code: "HTTP_TOO_MANY_REDIRECTS" });
    const notFollowed = await run(call({ url: `${target.url}/r1`, maxRedirects: 0 }));
    expect(notFollowed.steps[1]!.outputs.out![0]).toMatchObject({ status: 302, headers: { location: "/r2" } });
    const seeOther = await run(call({ method: "POST", url: `${target.url}/see-other`, body: '{ "a": 1 }' }));
    expect(seeOther.steps[1]!.outputs.out![0]).toMatchObject({ status: 200, body: { method: "GET", body: "", key: `${seeOther.id}:h:1` } });
  });

  it("gives each execution of a fan-out its own key: <runId>:<nodeId>:<n>", async () => {
    const fanOut = flow(
      "Fan out",
      [{ id: "m", type: "manual" }, { id: "s", type: "split", config: { path: "ids" } }, { id: "h", type: "http", config: { url: `${target.url}/echo?id={{ item }}` } }],
      ["m->s", "s->h"],
    );
    const result = await run(fanOut, { ids: ["a", "b", "c"] });
    const keys = result.steps.filter((s) => s.nodeId === "h").map((s) => (s.outputs.out![0] as { body: { key: string } }).body.key);
    expect(keys).toEqual([1, 2, 3].map((n) => `${result.id}:h:${n}`));
  });

  it("passes error statuses on when failOnErrorStatus is off, and refuses a GET with a body", async () => {
    const lenient = await run(call({ url: `${target.url}/boom`, failOnErrorStatus: false }, { retry: { maxAttempts: 3 } }));
    expect(lenient.steps[1]).toMatchObject({ status: "succeeded", attempts: 1, outputs: { out: [{ status: 500, body: { error: "boom" } }] } });
    const error = await h.engine.flows.create(call({ url: `${target.url}/echo`, body: "1" })).catch((e) => e);
    expect(error.details.problems).toEqual([{ nodeId: "h", field: "config.body", message: "a GET request cannot have a body" }]);
  });
});
