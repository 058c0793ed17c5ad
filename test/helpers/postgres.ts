import pg from "pg";
import { randomBytes } from "node:crypto";

/** The PostgreSQL the tests use: RUNNEL_TEST_DATABASE_URL, else the one CI runs on this machine. */
export const PG_TEST_URL = process.env.RUNNEL_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/**
 * Undefined when PostgreSQL answers; otherwise why not. Outside CI a test file then skips and
 * says why; with CI=true this throws, because nothing may skip there.
 */
export async function postgresUnavailable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: PG_TEST_URL, connectionTimeoutMillis: 3_000 });
  let reason: string | undefined;
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (err) {
    reason = `PostgreSQL at ${PG_TEST_URL.replace(/\/\/[^@]*@/, "//")} is not reachable (${err instanceof Error ? err.message : String(err)})`;
  } finally {
    await client.end().catch(() => undefined);
  }
  if (reason && process.env.CI === "true") throw new Error(`${reason}; CI=true requires it (set RUNNEL_TEST_DATABASE_URL)`);
  if (reason) console.warn(`skipping PostgreSQL tests: ${reason}; set RUNNEL_TEST_DATABASE_URL or start PostgreSQL`);
  return reason;
}

/** A fresh schema name per test, so concurrent tests and runs never collide. */
export function freshSchema(prefix = "t"): string {
  // Not newId(): that would move the process's id clock, which store tests pin to a fake time.
  return `${prefix}_${randomBytes(8).toString("hex")}`;
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_TEST_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
