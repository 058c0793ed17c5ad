import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../api/config.ts";

describe("scale-out configuration", () => {
  it("reads DATABASE_URL, RUNNEL_PG_SCHEMA, RUNNEL_PG_POOL_SIZE and RUNNEL_LEASE_MS", () => {
    const config = loadConfig({
      DATABASE_URL: "postgres://runnel:secret@db.internal:5432/runnel",
      RUNNEL_PG_SCHEMA: "runnel_prod",
      RUNNEL_PG_POOL_SIZE: "20",
      RUNNEL_LEASE_MS: "15000",
    });
    expect(config).toMatchObject({ pgSchema: "runnel_prod", pgPoolSize: 20, leaseMs: 15_000 });
    expect(loadConfig({})).toMatchObject({ databaseUrl: undefined, pgPoolSize: 10, leaseMs: 30_000 });
  });

  it("rejects a database URL that is not PostgreSQL in one line, without echoing its password", () => {
    const error = (() => {
      try {
        loadConfig({ DATABASE_URL: "mysql://root:hunter2@127.0.0.1/db" });
      } catch (err) {
        return err as Error;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.message).toMatch(/^invalid configuration: DATABASE_URL=.*postgres:\/\//);
    expect(error!.message).not.toContain("hunter2");
    expect(error!.message).not.toContain("\n");
  });

  it("rejects a schema name that is not a plain identifier", () => {
    expect(() => loadConfig({ RUNNEL_PG_SCHEMA: 'x"; drop table runs; --' })).toThrow(/RUNNEL_PG_SCHEMA/);
  });
});
