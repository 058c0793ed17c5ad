import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AllowListError,
  checkUrl,
  guardedFetch,
  GuardedFetchError,
  parseAllowList,
  resolveTarget,
  SsrfBlockedError,
  type LookupFn,
} from "../../engine/security/ssrf-guard.ts";
import { FAKE_DNS, SSRF_CORPUS } from "./ssrf-corpus.ts";
import { startSsrfServers, stopSsrfServers, type SsrfServers, type TestServer } from "./ssrf-test-servers.ts";

const fakeLookup: LookupFn = async (hostname) => {
  const answers = FAKE_DNS[hostname.toLowerCase().replace(/\.$/, "")];
  if (answers === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
  return answers.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
};

async function outcome(url: string, allow: string | undefined): Promise<{ kind: string; error?: unknown }> {
  try {
    await resolveTarget(url, parseAllowList(allow ?? ""), fakeLookup);
    return { kind: "allowed" };
  } catch (error) {
    if (error instanceof SsrfBlockedError) return { kind: "blocked", error };
    if (error instanceof TypeError) return { kind: "invalid", error };
    return { kind: `unexpected ${String(error)}`, error };
  }
}

describe("SSRF corpus", () => {
  it("has at least 80 targets, including blocked, allowed and allow-listed ones", () => {
    expect(SSRF_CORPUS.length).toBeGreaterThanOrEqual(80);
    expect(SSRF_CORPUS.filter((c) => c.expect === "blocked").length).toBeGreaterThanOrEqual(60);
    expect(SSRF_CORPUS.filter((c) => c.expect === "allowed").length).toBeGreaterThanOrEqual(20);
    expect(SSRF_CORPUS.filter((c) => c.allow !== undefined).length).toBeGreaterThanOrEqual(15);
  });

  it.each(SSRF_CORPUS.map((c) => [c.expect, c.url, c.why, c.allow ?? ""] as const))(
    "%s: %s (%s) allow=%s",
    async (expected, url, _why, allow) => {
      const result = await outcome(url, allow);
      expect(result.kind).toBe(expected);
      if (result.error instanceof SsrfBlockedError) {
        expect(result.error.code).toBe("SSRF_BLOCKED");
        expect(result.error).toBeInstanceOf(Error);
        if (result.error.address !== undefined && result.error.range !== "unrecognised") {
          expect(result.error.message).toContain(result.error.address);
          expect(result.error.message).toContain("RUNNEL_HTTP_ALLOW");
        }
      }
    },
  );
});

describe("parseAllowList", () => {
  it("parses hostnames, wildcards, IPs and CIDRs with optional ports", () => {
    const list = parseAllowList(" deploy.internal, *.corp.internal:8443 ,10.0.0.0/8,127.0.0.1:8080,[::1]:3000,fd00::/8,[fd00::/8]:443,::1,,");
    expect(list.map((e) => [e.kind, e.port])).toEqual([
      ["host", undefined],
      ["subdomains", 8443],
      ["cidr", undefined],
      ["cidr", 8080],
      ["cidr", 3000],
      ["cidr", undefined],
      ["cidr", 443],
      ["cidr", undefined],
    ]);
    expect(parseAllowList("")).toEqual([]);
    expect(parseAllowList("  ")).toEqual([]);
    expect(parseAllowList("Bücher.Example").map((e) => (e.kind === "host" ? e.host : ""))).toEqual(["xn--bcher-kva.example"]);
  });

  it.each([
    "10.0.0.0/33",
    "::/129",
    "10.0.0.0/x",
    "host:0",
    "host:65536",
    "host:",
    "host:http",
    "[::1",
    "[::1]x",
    "[127.0.0.1]:80",
    "::1:80:zz",
    "http://example.com",
    "exa mple.com",
    "user@host",
    "*.10.0.0.1",
    "*",
    "256.0.0.0/8",
    "fe80::1%eth0",
    "example.com/path",
  ])("rejects %j with a message naming RUNNEL_HTTP_ALLOW", (entry) => {
    expect(() => parseAllowList(`ok.example,${entry}`)).toThrowError(AllowListError);
    expect(() => parseAllowList(entry)).toThrowError(/RUNNEL_HTTP_ALLOW: invalid entry/);
  });
});

describe("checkUrl / resolveTarget", () => {
  it("refuses IP literals synchronously and defers hostnames to resolution", () => {
    expect(() => checkUrl("http://0x7f.1/")).toThrowError(SsrfBlockedError);
    expect(checkUrl("http://localhost/").hostname).toBe("localhost");
    expect(() => checkUrl("file:///etc/passwd")).toThrowError(/only http: and https:/);
  });

  it("resolves once, skips DNS for literals and pins the first checked address", async () => {
    const calls: string[] = [];
    const counting: LookupFn = async (host) => {
      calls.push(host);
      return fakeLookup(host);
    };
    const target = await resolveTarget("https://dual.example/x", undefined, counting);
    expect(calls).toEqual(["dual.example"]);
    expect(target).toMatchObject({ hostname: "dual.example", port: 443, address: "93.184.215.14", family: 4 });
    expect(target.addresses).toHaveLength(2);
    const literal = await resolveTarget("http://[2606:4700:4700::1111]:8080/", undefined, counting);
    expect(calls).toHaveLength(1);
    expect(literal).toMatchObject({ hostname: "2606:4700:4700::1111", port: 8080, family: 6 });
  });

  it("names the address, the range and the fix in the error", async () => {
    const error = await resolveTarget("http://rebind.example:8080/", undefined, fakeLookup).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SsrfBlockedError);
    const blocked = error as SsrfBlockedError;
    expect(blocked).toMatchObject({ code: "SSRF_BLOCKED", address: "10.0.0.5", range: "private", url: "http://rebind.example:8080/" });
    expect(blocked.message).toContain("rebind.example (resolved to 10.0.0.5)");
    expect(blocked.message).toContain('"rebind.example:8080" or "10.0.0.5:8080" to RUNNEL_HTTP_ALLOW');
    const mapped = await resolveTarget("http://[::ffff:169.254.169.254]/").catch((e: unknown) => e);
    expect((mapped as SsrfBlockedError).range).toBe("ipv4Mapped → 169.254.169.254 (linkLocal)");
    expect((mapped as SsrfBlockedError).message).toContain('"[::ffff:a9fe:a9fe]:80"');
    const withCredentials = (await resolveTarget("http://user:hunter2@127.0.0.1/").catch((e: unknown) => e)) as SsrfBlockedError;
    expect([withCredentials.url, withCredentials.message.includes("hunter2")]).toEqual(["http://127.0.0.1/", false]);
  });

  it("propagates DNS failures as ordinary errors", async () => {
    await expect(resolveTarget("http://nowhere.example/", undefined, fakeLookup)).rejects.toThrow(/ENOTFOUND/);
    await expect(resolveTarget("http://x.example/", undefined, async () => [])).rejects.toThrow(/no addresses/);
  });
});

// ---------------------------------------------------------------------------------------
// guardedFetch against real servers on 127.0.0.1 (see ssrf-test-servers.ts).

let servers: SsrfServers;
let a: TestServer;
let other: TestServer;
let secure: TestServer;

beforeAll(async () => {
  servers = await startSsrfServers();
  ({ a, other, secure } = servers);
});

afterAll(() => stopSsrfServers(servers));

const allowA = () => parseAllowList(`127.0.0.1:${a.port}`);
const localhostLookup: LookupFn = async () => [{ address: "127.0.0.1", family: 4 }];

describe("guardedFetch", () => {
  it("refuses the loopback test server by default, before connecting", async () => {
    const before = a.hits.length;
    await expect(guardedFetch(`http://127.0.0.1:${a.port}/ok`)).rejects.toMatchObject({ code: "SSRF_BLOCKED", address: "127.0.0.1" });
    expect(a.hits.length).toBe(before);
  });

  it("reaches a server admitted by the allow list and returns a web Response", async () => {
    const res = await guardedFetch(`http://127.0.0.1:${a.port}/ok`, { method: "post", body: "hi", headers: { "x-test": "1" } }, { allow: allowA() });
    expect(res).toBeInstanceOf(Response);
    expect(res.status).toBe(200);
    expect(res.url).toBe(`http://127.0.0.1:${a.port}/ok`);
    expect(res.redirected).toBe(false);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(await res.json()).toEqual({ host: `127.0.0.1:${a.port}`, method: "POST", body: "hi" });
    expect(a.hits.at(-1)?.headers["x-test"]).toBe("1");
  });

  it("refuses a redirect to the metadata address", async () => {
    const error = await guardedFetch(`http://127.0.0.1:${a.port}/to-metadata`, {}, { allow: allowA() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SsrfBlockedError);
    expect(error).toMatchObject({ code: "SSRF_BLOCKED", address: "169.254.169.254", range: "linkLocal" });
  });

  it("refuses a redirect to another loopback port and never touches it", async () => {
    const error = await guardedFetch(`http://127.0.0.1:${a.port}/to-other-port`, {}, { allow: allowA() }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "SSRF_BLOCKED", address: "127.0.0.1" });
    expect((error as Error).message).toContain(`127.0.0.1:${other.port}`);
    expect(other.hits).toHaveLength(0);
  });

  it("refuses a redirect to a non-http scheme", async () => {
    await expect(guardedFetch(`http://127.0.0.1:${a.port}/to-file`, {}, { allow: allowA() })).rejects.toMatchObject({ code: "SSRF_BLOCKED" });
  });

  it("refuses a public-looking name that resolves to a private address, without connecting", async () => {
    const before = a.hits.length;
    const lookup: LookupFn = async () => [{ address: "10.20.30.40", family: 4 }];
    await expect(guardedFetch(`http://api.totally-public.com:${a.port}/ok`, {}, { lookup })).rejects.toMatchObject({
      code: "SSRF_BLOCKED",
      address: "10.20.30.40",
    });
    await expect(guardedFetch(`http://api.totally-public.com:${a.port}/ok`, {}, { lookup: localhostLookup })).rejects.toMatchObject({
      code: "SSRF_BLOCKED",
      address: "127.0.0.1",
    });
    expect(a.hits.length).toBe(before);
  });

  it("connects to the checked address only: one lookup per hop, Host keeps the name", async () => {
    let calls = 0;
    // A rebinding resolver: the first answer is the admitted one, any later answer is not.
    const rebinding: LookupFn = async () => (calls++ === 0 ? [{ address: "127.0.0.1", family: 4 }] : [{ address: "10.9.9.9", family: 4 }]);
    const res = await guardedFetch(`http://api.internal:${a.port}/ok`, {}, { allow: allowA(), lookup: rebinding });
    expect(calls).toBe(1);
    expect(await res.json()).toMatchObject({ host: `api.internal:${a.port}` });
  });

  it("follows redirects, rewriting methods like fetch, and re-checks each hop", async () => {
    const opts = { allow: allowA(), lookup: localhostLookup };
    const seeOther = await guardedFetch(`http://127.0.0.1:${a.port}/see-other`, { method: "PUT", body: "x", headers: { "content-type": "text/plain" } }, opts);
    expect(await seeOther.json()).toMatchObject({ method: "GET", body: "" });
    expect(seeOther.redirected).toBe(true);
    expect(seeOther.url).toBe(`http://127.0.0.1:${a.port}/ok`);
    expect(a.hits.at(-1)?.headers["content-type"]).toBeUndefined();
    const found = await guardedFetch(`http://127.0.0.1:${a.port}/found`, { method: "POST", body: "x" }, opts);
    expect(await found.json()).toMatchObject({ method: "GET", body: "" });
    const temporary = await guardedFetch(`http://127.0.0.1:${a.port}/temporary`, { method: "POST", body: "keep" }, opts);
    expect(await temporary.json()).toMatchObject({ method: "POST", body: "keep" });
  });

  it("drops credentials when a redirect changes origin", async () => {
    const res = await guardedFetch(
      `http://127.0.0.1:${a.port}/to-localhost-name`,
      { headers: { authorization: "Bearer secret", cookie: "s=1", "x-keep": "yes" } },
      { allow: allowA(), lookup: localhostLookup },
    );
    expect(await res.json()).toMatchObject({ host: `localhost:${a.port}` });
    const last = a.hits.at(-1)!;
    expect(last.headers.authorization).toBeUndefined();
    expect(last.headers.cookie).toBeUndefined();
    expect(last.headers["x-keep"]).toBe("yes");
    expect(a.hits.at(-2)?.headers.authorization).toBe("Bearer secret");
  });

  it("stops after maxRedirects and supports redirect: manual and error", async () => {
    const opts = { allow: allowA() };
    await expect(guardedFetch(`http://127.0.0.1:${a.port}/loop`, {}, opts)).rejects.toMatchObject({ code: "TOO_MANY_REDIRECTS" });
    expect(a.hits.filter((h) => h.url.startsWith("/loop")).length).toBe(6); // first request + 5 redirects
    await expect(guardedFetch(`http://127.0.0.1:${a.port}/loop`, {}, { ...opts, maxRedirects: 0 })).rejects.toBeInstanceOf(GuardedFetchError);
    const manual = await guardedFetch(`http://127.0.0.1:${a.port}/to-metadata`, { redirect: "manual" }, opts);
    expect(manual.status).toBe(302);
    expect(manual.headers.get("location")).toContain("169.254.169.254");
    await expect(guardedFetch(`http://127.0.0.1:${a.port}/found`, { redirect: "error" }, opts)).rejects.toMatchObject({ code: "REDIRECT_REFUSED" });
  });

  it("decodes gzip, handles 204 and bounds the decoded body size", async () => {
    const opts = { allow: allowA() };
    const gz = await guardedFetch(`http://127.0.0.1:${a.port}/gzip`, {}, opts);
    expect(await gz.text()).toBe("compressed hello");
    expect(gz.headers.get("content-encoding")).toBeNull();
    const empty = await guardedFetch(`http://127.0.0.1:${a.port}/no-content`, {}, opts);
    expect(empty.status).toBe(204);
    expect(await empty.text()).toBe("");
    await expect(guardedFetch(`http://127.0.0.1:${a.port}/big`, {}, { ...opts, maxResponseBytes: 1024 * 1024 })).rejects.toMatchObject({ code: "RESPONSE_TOO_LARGE" });
    await expect(guardedFetch(`http://127.0.0.1:${a.port}/bomb`, {}, { ...opts, maxResponseBytes: 1024 * 1024 })).rejects.toMatchObject({ code: "RESPONSE_TOO_LARGE" });
    expect((await (await guardedFetch(`http://127.0.0.1:${a.port}/big`, {}, opts)).arrayBuffer()).byteLength).toBe(3 * 1024 * 1024);
  });

  it("honours an AbortSignal during DNS, before sending and while reading", async () => {
    const opts = { allow: allowA() };
    const started = Date.now();
    await expect(guardedFetch(`http://127.0.0.1:${a.port}/slow`, { signal: AbortSignal.timeout(150) }, opts)).rejects.toMatchObject({ name: "TimeoutError" });
    expect(Date.now() - started).toBeLessThan(2000);
    const controller = new AbortController();
    controller.abort();
    await expect(guardedFetch(`http://127.0.0.1:${a.port}/ok`, { signal: controller.signal }, opts)).rejects.toMatchObject({ name: "AbortError" });
    const hanging: LookupFn = () => new Promise(() => {});
    await expect(guardedFetch("http://hangs.example/", { signal: AbortSignal.timeout(50) }, { lookup: hanging })).rejects.toMatchObject({ name: "TimeoutError" });
  });

  it("pins HTTPS to the checked address while verifying the certificate and SNI for the name", async () => {
    const { ca } = servers;
    const allow = parseAllowList(`secure.test:${secure.port}`);
    const res = await guardedFetch(`https://secure.test:${secure.port}/`, {}, { allow, lookup: localhostLookup, ca });
    expect(await res.text()).toBe(`tls ok secure.test:${secure.port}`);
    expect(secure.hits.at(-1)?.servername).toBe("secure.test");
    // Same server by IP: the certificate does not name 127.0.0.1, so verification fails.
    await expect(guardedFetch(`https://127.0.0.1:${secure.port}/`, {}, { allow: parseAllowList(`127.0.0.1:${secure.port}`), ca })).rejects.toMatchObject({
      code: "ERR_TLS_CERT_ALTNAME_INVALID",
    });
    // Without the CA the self-signed certificate is rejected.
    await expect(guardedFetch(`https://secure.test:${secure.port}/`, {}, { allow, lookup: localhostLookup })).rejects.toThrow();
  });
});
