import type Database from "better-sqlite3";
import type { CredentialInfo, CredentialUpdate, NewCredential, StoredCredential } from "../types.ts";
import type { GroupCommit } from "./group-commit.ts";
import { isoTime } from "../../iso-time.ts";

export interface CredentialRow {
  id: string;
  name: string;
  type: string;
  encrypted: string;
  created_at: number;
  updated_at: number;
}

export function info(row: CredentialRow): CredentialInfo {
  return { id: row.id, name: row.name, type: row.type, createdAt: isoTime(row.created_at), updatedAt: isoTime(row.updated_at) };
}

/** The credentials table of SqliteStore: writes go through the store's group commit. */
export class SqliteCredentials {
  private readonly sql;

  constructor(db: Database.Database, private readonly writes: GroupCommit) {
    const p = (text: string) => db.prepare(text);
    this.sql = {
      insert: p("INSERT INTO credentials (id, name, type, encrypted, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)"),
      list: p("SELECT id, name, type, created_at, updated_at FROM credentials ORDER BY created_at, id"),
      get: p("SELECT * FROM credentials WHERE id = ?"),
      update: p("UPDATE credentials SET name = coalesce(?, name), encrypted = coalesce(?, encrypted), updated_at = ? WHERE id = ?"),
      remove: p("DELETE FROM credentials WHERE id = ?"),
    };
  }

  async create(c: NewCredential): Promise<CredentialInfo> {
    return this.writes.run(() => {
      this.sql.insert.run(c.id, c.name, c.type, c.encrypted, c.now, c.now);
      return info({ ...c, created_at: c.now, updated_at: c.now });
    });
  }

  async list(): Promise<CredentialInfo[]> {
    return (this.sql.list.all() as CredentialRow[]).map(info);
  }

  async get(id: string): Promise<StoredCredential | undefined> {
    const row = this.sql.get.get(id) as CredentialRow | undefined;
    return row ? { ...info(row), encrypted: row.encrypted } : undefined;
  }

  async update(id: string, update: CredentialUpdate): Promise<CredentialInfo | undefined> {
    return this.writes.run(() => {
      if (this.sql.update.run(update.name ?? null, update.encrypted ?? null, update.now, id).changes === 0) return undefined;
      return info(this.sql.get.get(id) as CredentialRow);
    });
  }

  async remove(id: string): Promise<boolean> {
    return this.writes.run(() => this.sql.remove.run(id).changes > 0);
  }
}
