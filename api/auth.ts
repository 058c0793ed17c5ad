import { createHash, timingSafeEqual } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { getConnInfo } from "@hono/node-server/conninfo";
import { ApiError } from "./errors.ts";

export const SESSION_COOKIE = "runnel_session";
const MAX_FAILURES_PER_MINUTE = 10;

/** Public without a token: health for probes, webhooks (they have their own auth), the login page. */
function isPublic(path: string): boolean {
  return path === "/api/health" || path.startsWith("/hooks/") || path === "/hooks" || path === "/login" || path === "/api/session";
}

const digest = (text: string) => createHash("sha256").update(text).digest();

/** Compares digests so that neither length nor content leaks through timing. */
function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** Counts failed attempts per address in a sliding minute. */
class FailureLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly now: () => number) {}

  blockedFor(address: string): number {
    const recent = this.recent(address);
    if (recent.length < MAX_FAILURES_PER_MINUTE) return 0;
    return Math.max(1, Math.ceil((recent[0]! + 60_000 - this.now()) / 1000));
  }

  fail(address: string): void {
    const recent = this.recent(address);
    recent.push(this.now());
    this.failures.set(address, recent);
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value!);
  }

  private recent(address: string): number[] {
    const since = this.now() - 60_000;
    return (this.failures.get(address) ?? []).filter((t) => t > since);
  }
}

/**
 * With RUNNEL_API_TOKEN set, the API wants `Authorization: Bearer <token>` and the editor a session
 * cookie (HttpOnly, SameSite=Strict) obtained once through /login. Without a token Runnel only
 * listens on loopback (config refuses anything else), and this middleware lets everything through.
 */
export function authMiddleware(token: string | undefined, now: () => number = Date.now): MiddlewareHandler {
  if (!token) return async (_c, next) => next();
  const sessionValue = digest(`runnel-session:${token}`).toString("base64url");
  const limiter = new FailureLimiter(now);

  return async (c, next) => {
    const path = c.req.path;
    if (path === "/api/session" && c.req.method === "POST") {
      const address = clientAddress(c);
      const wait = limiter.blockedFor(address);
      if (wait > 0) throw tooMany(wait);
      const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      const given = typeof form.token === "string" ? form.token : "";
      if (!sameSecret(given, token)) {
        limiter.fail(address);
        return c.redirect("/login?failed=1", 303);
      }
      setCookie(c, SESSION_COOKIE, sessionValue, { httpOnly: true, sameSite: "Strict", path: "/", secure: c.req.url.startsWith("https:") });
      return c.redirect("/", 303);
    }
    if (isPublic(path)) return next();

    const header = c.req.header("authorization");
    const bearer = header?.startsWith("Bearer ") ? header.slice(7) : undefined;
    const cookie = getCookie(c, SESSION_COOKIE);
    if ((bearer !== undefined && sameSecret(bearer, token)) || (cookie !== undefined && sameSecret(cookie, sessionValue))) {
      return next();
    }
    const address = clientAddress(c);
    const wait = limiter.blockedFor(address);
    if (wait > 0) throw tooMany(wait);
    if (bearer !== undefined || cookie !== undefined) limiter.fail(address);
    const wantsPage = c.req.method === "GET" && !path.startsWith("/api/") && path !== "/metrics";
    if (wantsPage) return c.redirect("/login", 303);
    throw new ApiError(401, "UNAUTHORIZED", "send Authorization: Bearer <RUNNEL_API_TOKEN>", undefined, { "WWW-Authenticate": "Bearer" });
  };
}

function tooMany(seconds: number): ApiError {
  return new ApiError(429, "TOO_MANY_ATTEMPTS", "too many failed sign-in attempts from this address; wait a minute", undefined, {
    "Retry-After": String(seconds),
  });
}

export const LOGIN_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Runnel — sign in</title>
<style>body{font-family:system-ui,sans-serif;display:grid;place-items:center;min-height:100vh;margin:0;background:#f5f6f8;color:#1d2330}
form{background:#fff;padding:32px;border-radius:12px;box-shadow:0 4px 24px #0001;display:grid;gap:12px;width:320px}
input,button{font:inherit;padding:10px 12px;border-radius:8px;border:1px solid #c9ced8}button{background:#3b5bdb;color:#fff;border:0;cursor:pointer}
.err{color:#c92a2a;font-size:14px}</style></head>
<body><form method="post" action="/api/session"><h1 style="margin:0;font-size:20px">Runnel</h1>
<label for="token">API token</label><input id="token" name="token" type="password" autocomplete="current-password" autofocus required>
<!--ERROR--><button type="submit">Sign in</button></form></body></html>`;
