// Outbound HTTP SSRF guard — the public surface (DESIGN §7: outbound HTTP refuses
// loopback, link-local (cloud metadata) and private addresses unless RUNNEL_HTTP_ALLOW
// lists them).
//
//   const allow = parseAllowList(process.env.RUNNEL_HTTP_ALLOW ?? "");   // at start-up
//   const res = await guardedFetch(url, { method, headers, body, signal }, { allow });
//
// The pieces live in their own files:
//   ip-ranges.ts     which addresses are public (IPv4/IPv6, embedded-IPv4 forms)
//   allow-list.ts    RUNNEL_HTTP_ALLOW parsing and matching
//   ssrf-target.ts   checkUrl / resolveTarget: scheme check, resolve once, check every address
//   guarded-fetch.ts the HTTP client that connects to the checked address only
export {
  AllowListError,
  allowsAddress,
  allowsHostname,
  EMPTY_ALLOW_LIST,
  parseAllowList,
  type AllowEntry,
  type AllowList,
} from "./allow-list.ts";
export { forbiddenRange, formatIp, parseIp, type IpAddress } from "./ip-ranges.ts";
export {
  checkUrl,
  effectivePort,
  resolveTarget,
  SsrfBlockedError,
  systemLookup,
  type LookupAddress,
  type LookupFn,
  type ResolvedTarget,
} from "./ssrf-target.ts";
export {
  DEFAULT_MAX_REDIRECTS,
  DEFAULT_MAX_RESPONSE_BYTES,
  guardedFetch,
  GuardedFetchError,
  type GuardedFetchInit,
  type GuardedFetchOptions,
} from "./guarded-fetch.ts";
