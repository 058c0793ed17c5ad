// Which IP addresses an outbound request may reach without an explicit allow entry.
//
// Policy: only public unicast. IPv4 must fall in no special-purpose range (ipaddr.js's
// range() === "unicast"); IPv6 must be global unicast (2000::/3) outside every special
// range. IPv6 forms that carry an IPv4 address (IPv4-mapped, IPv4-translated, NAT64,
// 6to4, Teredo) are judged by the IPv4 address they lead to, so ::ffff:127.0.0.1 or
// 64:ff9b::a9fe:a9fe cannot be used to reach loopback or the metadata service.
// Anything unrecognised is refused: failing closed is the point of this file.
import ipaddr from "ipaddr.js";

export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * Parses a canonical IP literal as DNS results and WHATWG URLs spell them: dotted-quad
 * IPv4, or IPv6 optionally in brackets and with a zone id. Legacy IPv4 spellings
 * ("127.1", "0x7f.1", "2130706433") are NOT accepted here; URL parsing has already
 * normalised them by the time a host reaches this function.
 */
export function parseIp(text: string): IpAddress | undefined {
  const bare = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  if (ipaddr.IPv4.isValidFourPartDecimal(bare)) return ipaddr.IPv4.parse(bare);
  if (bare.includes(":") && ipaddr.IPv6.isValid(bare)) return ipaddr.IPv6.parse(bare);
  return undefined;
}

/** The IPv4 address inside an IPv4-mapped IPv6 address, otherwise the address itself. */
export function unmapIp(addr: IpAddress): IpAddress {
  return addr instanceof ipaddr.IPv6 && addr.isIPv4MappedAddress() ? addr.toIPv4Address() : addr;
}

/** Canonical text for messages: dotted IPv4, RFC 5952 IPv6 (without zone). */
export function formatIp(addr: IpAddress): string {
  return addr instanceof ipaddr.IPv4 ? addr.toString() : addr.toRFC5952String().replace(/%.*$/, "");
}

/**
 * Why `addr` is not a public unicast destination (e.g. "loopback", "private",
 * "linkLocal", "ipv4Mapped → 127.0.0.1 (loopback)"), or undefined when it is public.
 */
export function forbiddenRange(addr: IpAddress): string | undefined {
  return addr instanceof ipaddr.IPv4 ? ipv4Reason(addr) : ipv6Reason(addr);
}

function ipv4Reason(addr: ipaddr.IPv4): string | undefined {
  const range = addr.range();
  return range === "unicast" ? undefined : range;
}

const GLOBAL_UNICAST = ipaddr.IPv6.parseCIDR("2000::/3");
const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR("64:ff9b::/96");

function ipv6Reason(addr: ipaddr.IPv6): string | undefined {
  const range = addr.range();
  switch (range) {
    case "ipv4Mapped": // ::ffff:a.b.c.d
    case "rfc6145": // ::ffff:0:a.b.c.d (IPv4-translated)
      return embedded(range, low32(addr));
    case "rfc6052":
      // 64:ff9b::/96 carries an IPv4 address; 64:ff9b:1::/48 is local-use (RFC 8215).
      return addr.match(NAT64_WELL_KNOWN) ? embedded("nat64", low32(addr)) : "nat64LocalUse";
    case "6to4": // 2002:AABB:CCDD::/48 → AA.BB.CC.DD
      return embedded("6to4", ipv4FromParts(addr.parts[1]!, addr.parts[2]!));
    case "teredo": {
      // 2001:0:SSSS:SSSS:flags:port:~CCCC:~CCCC — server, then the obfuscated client.
      const server = ipv4FromParts(addr.parts[2]!, addr.parts[3]!);
      const client = ipv4FromParts(addr.parts[6]! ^ 0xffff, addr.parts[7]! ^ 0xffff);
      return embedded("teredo", client) ?? embedded("teredo server", server);
    }
    case "unicast":
      // Outside 2000::/3 nothing is globally routable, including the deprecated
      // IPv4-compatible ::a.b.c.d form.
      return addr.match(GLOBAL_UNICAST) ? undefined : "notGlobalUnicast";
    default:
      return range;
  }
}

function embedded(label: string, v4: ipaddr.IPv4): string | undefined {
  const reason = ipv4Reason(v4);
  return reason === undefined ? undefined : `${label} → ${v4.toString()} (${reason})`;
}

function low32(addr: ipaddr.IPv6): ipaddr.IPv4 {
  return ipv4FromParts(addr.parts[6]!, addr.parts[7]!);
}

function ipv4FromParts(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}
