import { statSync } from "node:fs";
import type Database from "better-sqlite3";
import type { SyncThreadPolicy } from "./wal-sync.ts";

export interface DurabilityOptions {
  /** `full` (default) survives power loss; `normal` only a process crash. */
  synchronous?: "full" | "normal";
  /**
   * With `full`: sync the WAL after each commit on libuv's thread pool (WalSync, the default) or,
   * when false, inside COMMIT on the event loop (SQLite's own `synchronous = FULL`).
   */
  syncOffLoop?: boolean;
  /** When those syncs move from libuv's pool to a thread of their own (see WalSync); `auto` by default. */
  syncThread?: SyncThreadPolicy;
  /** How long a statement waits for another connection's lock before SQLITE_BUSY. */
  busyTimeoutMs?: number;
  /** After the WAL restarts, its file is cut back to this size. */
  walSizeLimitBytes?: number;
}

export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;
const MB = 1024 * 1024;

/** The connection settings that decide what survives a crash. */
export function applyDurabilityPragmas(db: Database.Database, options: DurabilityOptions = {}): void {
  db.pragma("journal_mode = WAL");
  const inCommit = options.synchronous !== "normal" && !syncsOffLoop(db, options);
  db.pragma(`synchronous = ${inCommit ? "FULL" : "NORMAL"}`);
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS}`);
  db.pragma(`journal_size_limit = ${options.walSizeLimitBytes ?? 16 * MB}`);
  // The default PASSIVE checkpoint every ~4 MB of WAL, at commit time; it never waits.
  db.pragma("wal_autocheckpoint = 1000");
}

/** Whether commits are made durable by a WalSync after COMMIT rather than inside it. */
export function syncsOffLoop(db: Database.Database, options: DurabilityOptions): boolean {
  if (options.synchronous === "normal" || options.syncOffLoop === false || db.memory) return false;
  // Only a WAL can be synced after the fact; a file system without WAL support keeps SQLite's own FULL.
  return db.pragma("journal_mode", { simple: true }) === "wal";
}

export interface CheckpointPolicy {
  /** How often to look at the WAL's size. */
  intervalMs: number;
  /** Above this size, force a RESTART checkpoint so the next writer rewinds the WAL. */
  restartAboveBytes: number;
  /** How long a RESTART may wait for readers (it blocks the event loop meanwhile). */
  restartWaitMs: number;
}

export const DEFAULT_CHECKPOINT_POLICY: CheckpointPolicy = { intervalMs: 1_000, restartAboveBytes: 16 * MB, restartWaitMs: 50 };

interface CheckpointRow {
  busy: number;
  log: number;
  checkpointed: number;
}

export interface CheckpointResult {
  walBytes: number;
  mode: "none" | "restart";
  busy: boolean;
}

/**
 * Keeps the WAL bounded while readers are active. The automatic PASSIVE checkpoint can copy
 * pages back only up to the oldest reader's snapshot; with readers that always overlap (a
 * second process, a backup, the sqlite3 shell) the WAL is never rewound and grows without
 * limit. A RESTART checkpoint waits briefly for those readers to move to the newest snapshot,
 * so the next commit starts the WAL from the beginning, and journal_size_limit then cuts the
 * file back.
 */
export class WalCheckpointer {
  private timer?: NodeJS.Timeout;
  private readonly walPath: string;
  private readonly pageSize: number;
  private readonly policy: CheckpointPolicy;
  /** A look that came while a write transaction was open; taken right after its commit. */
  private deferred = false;
  restarts = 0;
  busyRestarts = 0;

  constructor(
    private readonly db: Database.Database,
    policy: Partial<CheckpointPolicy> = {},
  ) {
    this.policy = { ...DEFAULT_CHECKPOINT_POLICY, ...policy };
    this.walPath = `${db.name}-wal`;
    this.pageSize = db.pragma("page_size", { simple: true }) as number;
  }

  start(): this {
    if (this.timer || this.db.memory) return this;
    this.timer = setInterval(() => this.tick(), this.policy.intervalMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** After a commit: the look the timer could not take inside the transaction. */
  afterCommit(): void {
    if (this.deferred) this.tick();
  }

  /** One look at the WAL, outside any transaction (inside one it waits for the commit). */
  tick(): CheckpointResult {
    const walBytes = fileSize(this.walPath);
    this.deferred = false;
    if (walBytes < this.policy.restartAboveBytes || !this.db.open) return { walBytes, mode: "none", busy: false };
    if (this.db.inTransaction) {
      this.deferred = true;
      return { walBytes, mode: "none", busy: false };
    }
    // The file keeps its size until the next writer rewinds it; what matters is how much of
    // it is live, which a PASSIVE checkpoint (what autocheckpoint does anyway) reports.
    const [passive] = this.db.pragma("wal_checkpoint(PASSIVE)") as CheckpointRow[];
    const liveBytes = (passive?.log ?? 0) * this.pageSize;
    if (liveBytes < this.policy.restartAboveBytes) return { walBytes, mode: "none", busy: false };
    const previous = this.db.pragma("busy_timeout", { simple: true }) as number;
    this.db.pragma(`busy_timeout = ${this.policy.restartWaitMs}`);
    try {
      const [row] = this.db.pragma("wal_checkpoint(RESTART)") as CheckpointRow[];
      const busy = row?.busy === 1;
      this.restarts++;
      if (busy) this.busyRestarts++;
      return { walBytes, mode: "restart", busy };
    } finally {
      this.db.pragma(`busy_timeout = ${previous}`);
    }
  }
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
