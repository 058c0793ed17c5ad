import { describe, expect, it } from "vitest";
import { parseDuration } from "../../engine/model/index.ts";

describe("parseDuration", () => {
  it("reads the units people write", () => {
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("30s")).toBe(30_000);
    expect(parseDuration("10m")).toBe(600_000);
    expect(parseDuration("24h")).toBe(86_400_000);
    expect(parseDuration("30d")).toBe(2_592_000_000);
    expect(parseDuration("1.5s")).toBe(1500);
  });
  it("refuses what is not a duration", () => {
    for (const bad of ["", "10", "s", "10 minutes", "-5s", "1e3s", "forever"]) expect(parseDuration(bad)).toBeUndefined();
  });
});
