// The secure defaults of `runnel start` as a user meets them: outbound HTTP to a private
// address is refused until RUNNEL_HTTP_ALLOW admits it, a credentials key is generated on
// the first start and reused after, webhooks verify signatures, and bad settings stop the start.
import { statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signHmac } from "../../engine/security/webhook-signatures.ts";
import { flow } from "../helpers/flows.ts";
import { json, startHttpTarget } from "../helpers/http-target.ts";
import { startRealServer, type RealServer } from "../helpers/real-server.ts";
import { tempDir } from "../helpers/temp-store.ts";
import { until } from "../helpers/wait.ts";

const TOKEN = "sink-token-0c9e7d21";
const HOOK_SECRET = "github-secret-5a1f";
const NO_OVERRIDES = { RUNNEL_HTTP_ALLOW: "", RUNNEL_SECRET_KEY: "" };

describe("security defaults of a real server", () => {
  const data = tempDir("runnel-secure-");
  let sink: Awaited<ReturnType<typeof startHttpTarget>>;
  let server: RealServer | undefined;
  let flowId = "";
  let pollFlowId = "";

  beforeAll(async () => {
    sink = await startHttpTarget({
      "/deploy": (req, res) => json(res, 200, { deployed: true, auth: req.headers.authorization }),
      "/feed": (_req, res) => json(res, 200, [{ id: 1 }]),
    });
  });
  afterAll(async () => {
    await server?.stop();
    await sink.close();
    data.remove();
  });

  const call = async (method: string, urlPath: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${server!.url}${urlPath}`, {
      method,
      headers: { "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, text, json: (text ? JSON.parse(text) : undefined) as any };
  };
  const finishedRun = async (runId: string) => {
    let run: any;
    await until(async () => ["succeeded", "failed"].includes((run = (await call("GET", `/api/runs/${runId}`)).json).status), `run ${runId}`, 15_000);
    return run;
  };

  it("without RUNNEL_HTTP_ALLOW: refuses loopback targets (http and poll), naming the setting; generates the key once", async () => {
    server = await startRealServer({ dataDir: data.dir, env: NO_OVERRIDES });
    const keyFile = path.join(data.dir, "secret.key");
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(server.output().split("\n").filter((line) => line.includes("RUNNEL_SECRET_KEY is not set"))).toHaveLength(1);

    const credential = await call("POST", "/api/credentials", { name: "Deploy", type: "bearer-token", data: { token: TOKEN } });
    expect(credential.status).toBe(201);
    const created = await call(
      "POST",
      "/api/flows",
      flow("deploy", [{ id: "m", type: "manual" }, { id: "d", type: "http", config: { method: "POST", url: `${sink.url}/deploy`, body: "$", auth: { credential: credential.json.id } } }], ["m->d"]),
    );
    flowId = created.json.id;
    const run = await finishedRun((await call("POST", `/api/flows/${flowId}/run`, { payload: { v: 1 } })).json.runId);
    expect(run.status).toBe("failed");
    const step = run.steps.find((s: { nodeId: string }) => s.nodeId === "d");
    expect(step.error.code).toBe("SSRF_BLOCKED");
    expect(step.error.message).toContain("RUNNEL_HTTP_ALLOW");
    expect(step.attempts).toBe(1);

    const poll = await call("POST", "/api/flows", flow("feed", [{ id: "p", type: "poll", config: { url: `${sink.url}/feed`, interval: "1h" } }], []));
    pollFlowId = poll.json.id;
    const pollRefusal = () => server!.output().split("\n").find((line) => line.includes(`poll p of flow ${pollFlowId}`));
    await until(() => pollRefusal() !== undefined, "the poll's refusal in the log", 10_000);
    expect(pollRefusal()).toContain("to allow this target add");
    expect(pollRefusal()).toContain("RUNNEL_HTTP_ALLOW");
    expect(sink.seen).toHaveLength(0);
    expect((await call("GET", `/api/runs?flowId=${pollFlowId}`)).json.runs).toHaveLength(0);
  });

  it("verifies a signed GitHub webhook over real HTTP and stores nothing for a forged one", async () => {
    const secret = await call("POST", "/api/credentials", { name: "GitHub", type: "webhook-secret", data: { secret: HOOK_SECRET } });
    await call("POST", "/api/flows", flow("push", [{ id: "w", type: "webhook", config: { path: "push", auth: { type: "github", credential: secret.json.id } } }], []));
    const body = JSON.stringify({ ref: "refs/heads/main" });
    const sign = (key: string) => signHmac(key, body, { algorithm: "sha256", encoding: "hex", prefix: "sha256=" });
    const forged = await call("POST", "/hooks/push", body, { "x-hub-signature-256": sign("wrong"), "x-github-delivery": "1" });
    expect(forged.status).toBe(401);
    expect(forged.json.error.code).toBe("WEBHOOK_SIGNATURE_MISMATCH");
    const accepted = await call("POST", "/hooks/push", body, { "x-hub-signature-256": sign(HOOK_SECRET), "x-github-delivery": "2" });
    expect(accepted.status).toBe(202);
    const runs = (await call("GET", "/api/runs?trigger=webhook")).json.runs;
    expect(runs.map((r: { id: string }) => r.id)).toEqual([accepted.json.runId]);
  });

  it("with RUNNEL_HTTP_ALLOW=127.0.0.1 and the same data dir: calls the sink with the credential, keeps it out of the log", async () => {
    expect(await server!.stop()).toBe(0);
    server = await startRealServer({ dataDir: data.dir, env: { ...NO_OVERRIDES, RUNNEL_HTTP_ALLOW: "127.0.0.1" } });
    // The generated key was reused: no second warning, and the stored credential still decrypts.
    expect(server.output()).not.toContain("RUNNEL_SECRET_KEY is not set");
    const run = await finishedRun((await call("POST", `/api/flows/${flowId}/run`, { payload: { v: 2 } })).json.runId);
    expect(run.status).toBe("succeeded");
    expect(sink.to("/deploy")[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(run.steps[1].outputs.out[0].body).toEqual({ deployed: true, auth: "Bearer [redacted]" });
    expect(JSON.stringify(run)).not.toContain(TOKEN);
    // The poll uses the same guarded fetch: now admitted, its item starts a run.
    await until(async () => (await call("GET", `/api/runs?flowId=${pollFlowId}`)).json.runs.length === 1, "the poll run", 10_000);
  });

  it("refuses to start with an invalid RUNNEL_HTTP_ALLOW or RUNNEL_SECRET_KEY, naming it in one line", async () => {
    const [allow, key] = await Promise.all([
      startRealServer({ env: { RUNNEL_HTTP_ALLOW: "127.0.0.1,10.0.0.0/33" } }).catch((e: Error) => e),
      startRealServer({ env: { RUNNEL_SECRET_KEY: "too-short-but-secret" } }).catch((e: Error) => e),
    ]);
    const lastLine = (error: unknown) => String(error).trim().split("\n").at(-1)!;
    expect(lastLine(allow)).toMatch(/^invalid configuration: RUNNEL_HTTP_ALLOW="127.0.0.1,10.0.0.0\/33": invalid entry "10.0.0.0\/33"/);
    expect(lastLine(key)).toMatch(/^invalid configuration: RUNNEL_SECRET_KEY must be 32 random bytes/);
    expect(String(key)).not.toContain("too-short-but-secret");
  });
});
