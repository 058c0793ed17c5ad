import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../api/config.ts";

describe("durability configuration", () => {
  it("has safe defaults: FULL sync with group commit, 30 s leases, 10 s shutdown, bounded runs and retention", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      sqliteSync: "full",
      sqliteGroupCommit: true,
      sqliteCommitWindowMs: 1,
      leaseMs: 30_000,
      shutdownTimeoutMs: 10_000,
      maxStepsPerRun: 10_000,
      maxStepBytes: 256 * 1024,
      maxRunBytes: 32 * 1024 * 1024,
      retentionDays: 14,
      retentionPerFlow: 10_000,
    });
    expect(config.crashAt).toBeUndefined();
  });

  it("reads sizes with units and rejects nonsense with one line naming the variable", () => {
    expect(loadConfig({ RUNNEL_MAX_STEP_BYTES: "64kb", RUNNEL_MAX_RUN_BYTES: "2mb" })).toMatchObject({ maxStepBytes: 65_536, maxRunBytes: 2_097_152 });
    expect(() => loadConfig({ RUNNEL_MAX_RUN_BYTES: "lots" })).toThrow(/RUNNEL_MAX_RUN_BYTES="lots"/);
    expect(() => loadConfig({ RUNNEL_LEASE_MS: "5" })).toThrow(/RUNNEL_LEASE_MS/);
    expect(() => loadConfig({ RUNNEL_SQLITE_GROUP_COMMIT: "maybe" })).toThrow(ConfigError);
    expect(() => loadConfig({ RUNNEL_MAX_STEPS_PER_RUN: "2000000" })).toThrow(/RUNNEL_MAX_STEPS_PER_RUN="2000000"/);
    expect(loadConfig({ RUNNEL_MAX_STEPS_PER_RUN: "1000000" }).maxStepsPerRun).toBe(1_000_000);
  });

  it("accepts a known crash point and refuses an unknown one at start", () => {
    expect(loadConfig({ RUNNEL_CRASH_AT: "step.before-journal:3" }).crashAt).toBe("step.before-journal:3");
    expect(() => loadConfig({ RUNNEL_CRASH_AT: "somewhere" })).toThrow(/RUNNEL_CRASH_AT="somewhere": unknown crash point/);
    expect(() => loadConfig({ RUNNEL_CRASH_AT: "commit.before:0" })).toThrow(/positive integer/);
  });
});
