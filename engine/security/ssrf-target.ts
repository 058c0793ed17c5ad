// Deciding whether one URL may be fetched, and which address to connect to.
//
// The hostname is resolved ONCE and every address it yields is checked; the caller then
// connects to the returned `address` (see guarded-fetch.ts), never resolving again, so
// a DNS answer that changes between check and connect (rebinding) cannot slip through.
import { lookup as dnsLookup } from "node:dns/promises";
import { allowsAddress, allowsHostname, EMPTY_ALLOW_LIST, normalizeHostname, type AllowList } from "./allow-list.ts";
import { forbiddenRange, formatIp, parseIp, type IpAddress } from "./ip-ranges.ts";

export interface LookupAddress {
  address: string;
  family: number;
}

/** Resolves a hostname to all of its addresses. Injected so tests need no DNS. */
export type LookupFn = (hostname: string) => Promise<readonly LookupAddress[]>;

export const systemLookup: LookupFn = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

export class SsrfBlockedError extends Error {
  readonly code = "SSRF_BLOCKED";
  override name = "SsrfBlockedError";
  constructor(
    message: string,
    /** The refused URL, without any user:password part. */
    readonly url: string,
    /** The refused address, when an address (not the scheme) was the problem. */
    readonly address?: string,
    /** Why the address is refused, e.g. "loopback" or "ipv4Mapped → 127.0.0.1 (loopback)". */
    readonly range?: string,
  ) {
    super(message);
  }
}

export interface ResolvedTarget {
  url: URL;
  /** Hostname to send in Host/SNI: URL form without IPv6 brackets. */
  hostname: string;
  /** Effective port (explicit, or 80/443 from the scheme). */
  port: number;
  /** The checked address to connect to. */
  address: string;
  family: 4 | 6;
  /** Every address the name resolved to; all of them passed the check. */
  addresses: readonly string[];
}

const SCHEMES = new Set(["http:", "https:"]);

export function effectivePort(url: URL): number {
  if (url.port !== "") return Number(url.port);
  return url.protocol === "https:" ? 443 : 80;
}

/**
 * Synchronous pre-check: parses the URL, refuses non-http(s) schemes and refuses a host
 * that is an IP literal outside the policy. Hostnames pass here; only resolveTarget can
 * judge them. Throws TypeError for an unparseable URL, SsrfBlockedError otherwise.
 */
export function checkUrl(input: string | URL, allow: AllowList = EMPTY_ALLOW_LIST): URL {
  const url = new URL(input); // WHATWG parsing normalises 2130706433, 0177.0.0.1, 0x7f.1, 127.1 …
  if (!SCHEMES.has(url.protocol)) {
    throw new SsrfBlockedError(
      `Outbound request refused: "${url.protocol}" URLs are not allowed, only http: and https:`,
      withoutCredentials(url),
    );
  }
  const literal = parseIp(url.hostname);
  if (literal !== undefined) assertAddressAllowed(url, literal, url.hostname, allow, false);
  return url;
}

/**
 * Full check: checkUrl, then resolve the hostname once (unless it is an IP literal) and
 * refuse if ANY resolved address is non-public and not admitted by RUNNEL_HTTP_ALLOW.
 * A hostname entry in the allow list admits all of that name's addresses.
 */
export async function resolveTarget(
  input: string | URL,
  allow: AllowList = EMPTY_ALLOW_LIST,
  lookup: LookupFn = systemLookup,
): Promise<ResolvedTarget> {
  const url = checkUrl(input, allow);
  const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  const port = effectivePort(url);
  const literal = parseIp(url.hostname);
  if (literal !== undefined) {
    return { url, hostname, port, address: hostname, family: literal.kind() === "ipv4" ? 4 : 6, addresses: [hostname] };
  }

  const results = await lookup(hostname);
  if (results.length === 0) throw new Error(`DNS lookup for ${hostname} returned no addresses`);
  const nameAdmitted = allowsHostname(allow, hostname, port) !== undefined;
  const checked = results.map((result) => {
    const parsed = parseIp(result.address);
    if (parsed === undefined) {
      throw new SsrfBlockedError(
        `Outbound request to ${hostname} refused: DNS returned "${result.address}", which is not an IP address`,
        withoutCredentials(url),
        result.address,
        "unrecognised",
      );
    }
    assertAddressAllowed(url, parsed, hostname, allow, nameAdmitted);
    return { address: result.address, family: parsed.kind() === "ipv4" ? (4 as const) : (6 as const) };
  });
  // Connect to the first answer, as getaddrinfo's ordering intends; all were checked.
  const pinned = checked[0]!;
  return { url, hostname, port, address: pinned.address, family: pinned.family, addresses: checked.map((c) => c.address) };
}

function assertAddressAllowed(url: URL, address: IpAddress, hostname: string, allow: AllowList, nameAdmitted: boolean): void {
  const range = forbiddenRange(address);
  if (range === undefined || nameAdmitted) return;
  const port = effectivePort(url);
  if (allowsAddress(allow, address, port) !== undefined) return;

  const ip = formatIp(address);
  const ipEntry = address.kind() === "ipv6" ? `[${ip}]:${port}` : `${ip}:${port}`;
  const host = normalizeHostname(hostname);
  const isLiteral = parseIp(hostname) !== undefined;
  const target = isLiteral ? ip : `${host} (resolved to ${ip})`;
  const suggestion = isLiteral ? `"${ipEntry}"` : `"${host}:${port}" or "${ipEntry}"`;
  throw new SsrfBlockedError(
    `Outbound request to ${target} blocked: ${ip} is a non-public address (${range}). ` +
      `Loopback, link-local (cloud metadata), private and other special-purpose addresses are refused by default; ` +
      `to allow this target add ${suggestion} to RUNNEL_HTTP_ALLOW.`,
    withoutCredentials(url),
    ip,
    range,
  );
}

/** The URL for error messages and logs: credentials in it are not ours to repeat. */
function withoutCredentials(url: URL): string {
  if (url.username === "" && url.password === "") return url.href;
  const copy = new URL(url.href);
  copy.username = "";
  copy.password = "";
  return copy.href;
}
