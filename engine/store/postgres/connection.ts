import pg from "pg";

export interface PgConnectionOptions {
  /** `postgres://user@host:port/db`; `?options=-csearch_path%3D…` is honoured when `schema` is unset. */
  connectionString: string;
  /** Schema holding Runnel's tables (created if missing); isolates deployments and tests. */
  schema?: string;
  /** Pooled connections per process (default 10). */
  poolSize?: number;
}

const INT8_OID = 20;

/** bigint columns hold ms timestamps and counters, all well inside Number's exact range. */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8_OID && format !== "binary" ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig["getTypeParser"],
};

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

const PLAIN_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Client settings shared by the pool and the LISTEN connection. */
export function clientConfig(options: PgConnectionOptions): pg.ClientConfig {
  let connectionString = options.connectionString;
  if (options.schema) {
    if (!PLAIN_IDENTIFIER.test(options.schema)) throw new Error(`PostgreSQL schema ${JSON.stringify(options.schema)} is not a plain identifier`);
    // pg lets `options` in the URL override a separate `options` setting, so add ours to the URL's.
    const url = new URL(connectionString);
    const given = url.searchParams.get("options");
    url.searchParams.set("options", `${given ? `${given} ` : ""}-c search_path=${options.schema}`);
    connectionString = url.toString();
  }
  return { connectionString, types, application_name: "runnel" };
}

export function createPool(options: PgConnectionOptions): pg.Pool {
  const pool = new pg.Pool({ ...clientConfig(options), max: options.poolSize ?? 10, idleTimeoutMillis: 30_000 });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on("error", () => undefined);
  return pool;
}

export type Queryable = Pick<pg.PoolClient, "query">;

/** Runs `work` in one transaction on one pooled connection; rolls back on any error. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (err) {
    // A connection that cannot even roll back is discarded instead of returned to the pool.
    await client.query("ROLLBACK").catch((rollbackError: Error) => (broken = rollbackError));
    throw err;
  } finally {
    client.release(broken);
  }
}
