// RUNNEL_HTTP_ALLOW: the operator's explicit exceptions to the SSRF policy (DESIGN §10).
//
//   RUNNEL_HTTP_ALLOW="deploy.internal,*.corp.internal:8443,10.0.0.0/8,127.0.0.1:8080,[::1]:3000,fd00::/8"
//
// Entries are hostnames (optionally "*.suffix" for any subdomain), IP addresses or CIDR
// ranges, IPv4 or IPv6, each with an optional ":port" (an IPv6 address or range with a
// port goes in brackets: "[::1]:3000", "[fd00::/8]:443"). Without a port every port is
// admitted. A hostname entry admits whatever that name resolves to (the operator vouches
// for the name); an IP or CIDR entry admits the addresses it covers, whichever name led
// there. Hostnames are normalised exactly as WHATWG URL normalises request hosts
// (lowercase, IDNA, legacy IPv4 spellings), so an entry and a URL cannot disagree.
import { parseIp, unmapIp, type IpAddress } from "./ip-ranges.ts";

export type AllowEntry =
  | { kind: "host"; host: string; port: number | undefined; source: string }
  | { kind: "subdomains"; suffix: string; port: number | undefined; source: string }
  | { kind: "cidr"; range: [IpAddress, number]; port: number | undefined; source: string };

export type AllowList = readonly AllowEntry[];

export const EMPTY_ALLOW_LIST: AllowList = Object.freeze([]);

export class AllowListError extends Error {
  readonly code = "INVALID_CONFIG";
  override name = "AllowListError";
}

const EXAMPLE = '"deploy.internal,10.0.0.0/8,127.0.0.1:8080,[::1]:3000"';

/** Parses RUNNEL_HTTP_ALLOW. Empty or blank text means "no exceptions". */
export function parseAllowList(text: string): AllowList {
  const entries: AllowEntry[] = [];
  for (const raw of text.split(",")) {
    const item = raw.trim();
    if (item !== "") entries.push(parseEntry(item));
  }
  return Object.freeze(entries);
}

function parseEntry(item: string): AllowEntry {
  const bad = (why: string): AllowListError =>
    new AllowListError(
      `RUNNEL_HTTP_ALLOW: invalid entry "${item}": ${why}. Expected comma-separated hostnames, IPs or CIDRs, ` +
        `each with an optional :port (IPv6 in brackets when a port is given), e.g. ${EXAMPLE}`,
    );

  let hostPart: string;
  let portText: string | undefined;
  if (item.startsWith("[")) {
    const close = item.indexOf("]");
    if (close < 0) throw bad("missing ]");
    hostPart = item.slice(1, close);
    const rest = item.slice(close + 1);
    if (rest !== "") {
      if (!rest.startsWith(":")) throw bad("unexpected text after ]");
      portText = rest.slice(1);
    }
    if (!hostPart.includes(":")) throw bad("brackets are only for IPv6 addresses");
  } else if (item.indexOf(":") !== item.lastIndexOf(":")) {
    hostPart = item; // bare IPv6 address or range; a port needs brackets
  } else {
    const colon = item.indexOf(":");
    hostPart = colon < 0 ? item : item.slice(0, colon);
    portText = colon < 0 ? undefined : item.slice(colon + 1);
  }
  const port = portText === undefined ? undefined : parsePort(portText, bad);
  if (hostPart === "") throw bad("empty host");
  if (hostPart.includes("%")) throw bad("IPv6 zone ids are not supported; use a CIDR such as fe80::/10");

  const slash = hostPart.indexOf("/");
  if (slash >= 0) {
    const ip = parseIp(hostPart.slice(0, slash));
    if (ip === undefined) throw bad("a CIDR must start with an IPv4 or IPv6 address");
    const bitsText = hostPart.slice(slash + 1);
    const max = ip.kind() === "ipv4" ? 32 : 128;
    if (!/^\d{1,3}$/.test(bitsText) || Number(bitsText) > max) throw bad(`prefix length must be 0-${max}`);
    return { kind: "cidr", range: [ip, Number(bitsText)], port, source: item };
  }

  if (hostPart.includes(":")) {
    const ip = parseIp(hostPart);
    if (ip === undefined) throw bad("not a valid IPv6 address");
    return { kind: "cidr", range: [ip, 128], port, source: item };
  }

  const wildcard = hostPart.startsWith("*.");
  const name = wildcard ? hostPart.slice(2) : hostPart;
  if (/[\s/\\?#@*[\]%]/.test(name)) throw bad("not a valid hostname");
  let host: string;
  try {
    host = normalizeHostname(new URL(`http://${name}/`).hostname);
  } catch {
    throw bad("not a valid hostname");
  }
  const ip = parseIp(host);
  if (ip !== undefined) {
    if (wildcard) throw bad("a wildcard needs a domain name, not an IP address");
    return { kind: "cidr", range: [ip, ip.kind() === "ipv4" ? 32 : 128], port, source: item };
  }
  return wildcard ? { kind: "subdomains", suffix: host, port, source: item } : { kind: "host", host, port, source: item };
}

function parsePort(text: string, bad: (why: string) => AllowListError): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) throw bad("port must be a number from 1 to 65535");
  return port;
}

/** Lowercase, without brackets or a trailing root dot: the form entries are stored in. */
export function normalizeHostname(hostname: string): string {
  const lower = hostname.toLowerCase();
  const bare = lower.startsWith("[") && lower.endsWith("]") ? lower.slice(1, -1) : lower;
  return bare.endsWith(".") ? bare.slice(0, -1) : bare;
}

function portMatches(entry: AllowEntry, port: number): boolean {
  return entry.port === undefined || entry.port === port;
}

/** Is the (URL-normalised) hostname on `port` admitted by a hostname entry? */
export function allowsHostname(list: AllowList, hostname: string, port: number): AllowEntry | undefined {
  const host = normalizeHostname(hostname);
  return list.find((entry) => {
    if (!portMatches(entry, port)) return false;
    if (entry.kind === "host") return entry.host === host;
    if (entry.kind === "subdomains") return host.endsWith(`.${entry.suffix}`);
    return false;
  });
}

/** Is the address on `port` admitted by an IP or CIDR entry? IPv4-mapped IPv6 counts as IPv4. */
export function allowsAddress(list: AllowList, address: IpAddress, port: number): AllowEntry | undefined {
  const candidates = [address, unmapIp(address)];
  return list.find(
    (entry) =>
      entry.kind === "cidr" &&
      portMatches(entry, port) &&
      candidates.some((candidate) => candidate.kind() === entry.range[0].kind() && matchCidr(candidate, entry.range)),
  );
}

function matchCidr(address: IpAddress, range: [IpAddress, number]): boolean {
  // Same kind checked by the caller; ipaddr.js throws on mixed kinds.
  return address.match(range[0], range[1]);
}
