import { describe, expect, it } from "vitest";
import { isoTime, isoTimeOrNull } from "../../engine/iso-time.ts";

const reference = (ms: number) => new Date(ms).toISOString();

describe("isoTime", () => {
  it("writes what toISOString writes, for times in the same second as the last one and for others", () => {
    const base = Date.UTC(2026, 10, 27, 23, 59, 59, 0);
    const times = [
      ...Array.from({ length: 1000 }, (_, i) => base + i), // one second, every millisecond
      ...[0, 1, 9, 10, 99, 100, 999, 1000].map((ms) => base + ms), // digit boundaries and the next second
      -1, -999, -1000, -1001, 0, 1, // around the epoch, negative times included
      Date.UTC(1999, 11, 31, 23, 59, 59, 999), Date.UTC(2000, 0, 1),
      Date.UTC(9999, 11, 31, 23, 59, 59, 999), Date.UTC(10000, 0, 1), Date.UTC(-1, 0, 1), // six-digit years
      8.64e15, -8.64e15, // the ends of the Date range
      base, base + 0.5, base + 1.25, base + 999.9, base - 0.75, // fractions of a millisecond (Date drops them)
    ];
    let seed = 7;
    for (let i = 0; i < 2000; i++) {
      seed = (seed * 48271) % 2147483647;
      times.push(Math.floor((seed / 2147483647) * 4e12) - 1e12, base + (seed % 5000)); // anywhere, then near the last
    }
    for (const ms of times) expect(isoTime(ms), String(ms)).toBe(reference(ms));
  });

  it("refuses an invalid time as toISOString does, and does not keep it", () => {
    const ms = Date.UTC(2026, 0, 1, 12, 0, 0, 5);
    expect(isoTime(ms)).toBe(reference(ms));
    for (const bad of [NaN, Infinity, -Infinity, 8.64e15 + 1]) expect(() => isoTime(bad)).toThrow(RangeError);
    expect(isoTime(ms + 1)).toBe(reference(ms + 1));
  });

  it("passes null through", () => {
    expect(isoTimeOrNull(null)).toBeNull();
    expect(isoTimeOrNull(86_400_000)).toBe("1970-01-02T00:00:00.000Z");
  });
});
