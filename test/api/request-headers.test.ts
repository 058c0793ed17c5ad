import { describe, expect, it } from "vitest";
import { headersFromRaw } from "../../api/request-headers.ts";

/** What Hono's c.req.header() makes of the same raw headers: a WHATWG Headers object, listed. */
function viaHeaders(raw: string[]): Record<string, string> {
  const headers = new Headers();
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  const listed: Record<string, string> = {};
  headers.forEach((value, name) => (listed[name] = value));
  return listed;
}

describe("request headers read from the raw list", () => {
  it("lists them as a Headers object would: names lower-cased, repeats joined with a comma, values trimmed", () => {
    const raw = ["Content-Type", "application/json", "X-Tag", "a", "x-tag", " b\t", "X-Empty", "", "Constructor", "c", "toString", "t"];
    expect(headersFromRaw(raw)).toEqual(viaHeaders(raw));
    expect(headersFromRaw(raw)).toEqual({ "content-type": "application/json", "x-tag": "a, b", "x-empty": "", constructor: "c", tostring: "t" });
  });

  it("agrees with Headers on generated header lists", () => {
    const names = ["Accept", "accept", "X-Signature", "x-SIGNATURE", "Webhook-Id", "hasOwnProperty", "valueOf", "X-A"];
    const values = ["1", " 2", "three ", "a, b", "", "\tv\t", "é"];
    let seed = 7;
    const pick = <T,>(list: T[]) => list[(seed = (seed * 1103515245 + 12345) % 2 ** 31) % list.length]!;
    for (let round = 0; round < 500; round++) {
      const raw: string[] = [];
      for (let i = round % 9; i > 0; i--) raw.push(pick(names), pick(values));
      expect(headersFromRaw(raw)).toEqual(viaHeaders(raw));
    }
  });
});
