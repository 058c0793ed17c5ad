import { describe, expect, it } from "vitest";
import { crashHookFromSpec } from "../../engine/runtime/crash-points.ts";

describe("crash points", () => {
  it("is nothing at all when unset", () => {
    expect(crashHookFromSpec(undefined)).toBeUndefined();
    expect(crashHookFromSpec("  ")).toBeUndefined();
  });

  it("dies the nth time its point is reached, and only at that point", () => {
    let deaths = 0;
    const hit = crashHookFromSpec("finish.before:3", () => deaths++)!;
    hit("step.after-journal");
    hit("finish.before");
    hit("finish.before");
    expect(deaths).toBe(0);
    hit("finish.before");
    expect(deaths).toBe(1);
    hit("finish.before");
    expect(deaths).toBe(1);
  });
});
