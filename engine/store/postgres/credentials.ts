import type pg from "pg";
import { info, type CredentialRow } from "../sqlite/credentials.ts";
import type { CredentialInfo, CredentialUpdate, NewCredential, StoredCredential } from "../types.ts";

const statement = (name: string, text: string) => (...values: unknown[]): pg.QueryConfig => ({ name: `runnel_${name}`, text, values });

const Q = {
  insert: statement("credential_insert", "INSERT INTO credentials (id, name, type, encrypted, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)"),
  list: statement("credential_list", "SELECT id, name, type, created_at, updated_at FROM credentials ORDER BY created_at, id"),
  get: statement("credential_get", "SELECT * FROM credentials WHERE id = $1"),
  update: statement(
    "credential_update",
    "UPDATE credentials SET name = coalesce($1, name), encrypted = coalesce($2, encrypted), updated_at = $3 WHERE id = $4 RETURNING *",
  ),
  remove: statement("credential_remove", "DELETE FROM credentials WHERE id = $1"),
};

/** The credentials table of PostgresStore: encrypted data only; each operation one statement. */
export class PgCredentials {
  constructor(private readonly pool: pg.Pool) {}

  async create(c: NewCredential): Promise<CredentialInfo> {
    await this.pool.query(Q.insert(c.id, c.name, c.type, c.encrypted, c.now));
    return info({ ...c, created_at: c.now, updated_at: c.now });
  }

  async list(): Promise<CredentialInfo[]> {
    return (await this.pool.query<CredentialRow>(Q.list())).rows.map(info);
  }

  async get(id: string): Promise<StoredCredential | undefined> {
    const row = (await this.pool.query<CredentialRow>(Q.get(id))).rows[0];
    return row ? { ...info(row), encrypted: row.encrypted } : undefined;
  }

  async update(id: string, update: CredentialUpdate): Promise<CredentialInfo | undefined> {
    const row = (await this.pool.query<CredentialRow>(Q.update(update.name ?? null, update.encrypted ?? null, update.now, id))).rows[0];
    return row ? info(row) : undefined;
  }

  async remove(id: string): Promise<boolean> {
    return ((await this.pool.query(Q.remove(id))).rowCount ?? 0) > 0;
  }
}
