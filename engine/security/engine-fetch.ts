// The engine's outbound `fetch` with the SSRF guard underneath (DESIGN §7). The http node and
// the poll trigger call it with redirect "manual" and follow redirects themselves, so every
// hop comes back through here and is checked again.
import { StepFailure } from "../expr/index.ts";
import type { AllowList } from "./allow-list.ts";
import { guardedFetch, GuardedFetchError } from "./guarded-fetch.ts";
import { SsrfBlockedError, type LookupFn } from "./ssrf-target.ts";

export interface EngineFetchOptions {
  /** RUNNEL_HTTP_ALLOW, parsed. */
  allow: AllowList;
  lookup?: LookupFn;
  /** Buffered body limit; the http node applies its own (smaller) limit afterwards. */
  maxResponseBytes: number;
  ca?: string | readonly string[];
}

/** A `fetch` for createEngine({ fetch }) that refuses non-public targets unless allowed. */
export function createGuardedFetch(options: EngineFetchOptions): typeof fetch {
  const guarded = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    if (input instanceof Request) throw new TypeError("the guarded fetch takes a URL, not a Request");
    const body = init.body;
    if (body !== undefined && body !== null && typeof body !== "string" && !(body instanceof Uint8Array)) {
      throw new TypeError("the guarded fetch sends string or byte bodies only");
    }
    try {
      return await guardedFetch(
        input,
        { method: init.method, headers: init.headers, body, signal: init.signal, redirect: init.redirect },
        { allow: options.allow, lookup: options.lookup, maxResponseBytes: options.maxResponseBytes, ca: options.ca },
      );
    } catch (err) {
      // Retrying cannot change the policy: these fail the step at once, with the message that
      // names RUNNEL_HTTP_ALLOW.
      if (err instanceof SsrfBlockedError) {
        throw new StepFailure("SSRF_BLOCKED", err.message, {
          permanent: true,
          details: { url: err.url, address: err.address, range: err.range },
        });
      }
      if (err instanceof GuardedFetchError && err.code === "RESPONSE_TOO_LARGE") {
        throw new StepFailure("HTTP_RESPONSE_TOO_LARGE", err.message, { permanent: true });
      }
      throw err;
    }
  };
  return guarded as typeof fetch;
}
