import path from "node:path";
import { z } from "zod";
import { AllowListError, parseAllowList, type AllowList } from "../engine/security/allow-list.ts";
import { parseSecretKey, SecretKeyError, type SecretKey } from "../engine/security/credential-crypto.ts";
import { crashHookFromSpec, CrashSpecError } from "../engine/runtime/crash-points.ts";
import { MAX_STEPS_PER_RUN_CEILING } from "../engine/executor/limits.ts";

export class ConfigError extends Error {}

const SIZE = /^(\d+)\s*(b|kb|mb|gb)?$/i;
const SIZE_UNITS = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 } as const;

export function parseSize(text: string): number | undefined {
  const match = SIZE.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * SIZE_UNITS[(match[2]?.toLowerCase() ?? "b") as keyof typeof SIZE_UNITS];
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);

/** A size variable: bytes or `kb`/`mb`/`gb`, at least `min` bytes. */
function sizeVar(fallback: string, min = 1) {
  return z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const bytes = parseSize(text);
      if (bytes === undefined || bytes < min) {
        ctx.addIssue({ code: "custom", message: `expected a size of at least ${min} bytes like 1048576, 512kb or 1mb` });
        return z.NEVER;
      }
      return bytes;
    });
}

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(5678),
  HOST: z.string().min(1).default("127.0.0.1"),
  RUNNEL_DATA_DIR: z.string().min(1).default("./data"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "expected postgres://user:password@host:5432/database (unset it to use SQLite)")
    .optional(),
  RUNNEL_PG_SCHEMA: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, "expected a schema name (letters, digits, _)")
    .optional(),
  RUNNEL_PG_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  RUNNEL_LEASE_MS: z.coerce.number().int().min(500).max(3_600_000).default(30_000),
  RUNNEL_API_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  RUNNEL_SECRET_KEY: z.string().optional(),
  RUNNEL_MAX_BODY: sizeVar("1mb"),
  RUNNEL_RUN_RETENTION_DAYS: z.coerce.number().min(0).default(14),
  RUNNEL_RUN_RETENTION_PER_FLOW: z.coerce.number().int().min(0).default(10_000),
  RUNNEL_RETENTION_INTERVAL: z.coerce.number().int().min(10).default(60_000),
  RUNNEL_MAX_STEPS_PER_RUN: z.coerce.number().int().min(1).max(MAX_STEPS_PER_RUN_CEILING).default(10_000),
  RUNNEL_MAX_STEP_BYTES: sizeVar("256kb", 1024),
  RUNNEL_MAX_RUN_BYTES: sizeVar("32mb", 1024),
  // Runs mostly wait on commits and I/O; 64 lets a webhook burst be adopted at enqueue instead of
  // queued and claimed again (issue 9 bench: ~2× runs/s and ~½ CPU per request in accepted mode at 50 connections).
  RUNNEL_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1024).default(64),
  RUNNEL_SQLITE_SYNC: z.enum(["full", "normal"]).default("full"),
  RUNNEL_SQLITE_GROUP_COMMIT: z.enum(["on", "off"]).default("on"),
  RUNNEL_SQLITE_COMMIT_WINDOW_MS: z.coerce.number().min(0).max(50).default(1),
  RUNNEL_CRASH_AT: z.string().optional(),
  RUNNEL_HTTP_ALLOW: z.string().default(""),
  RUNNEL_SHUTDOWN_TIMEOUT: z.coerce.number().int().min(0).default(10_000),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
});

export type Config = {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl?: string;
  pgSchema?: string;
  pgPoolSize: number;
  leaseMs: number;
  apiToken?: string;
  /** RUNNEL_SECRET_KEY; unset = a key file in the data dir (see api/secret-key.ts). */
  secretKey?: SecretKey;
  maxBodyBytes: number;
  retentionDays: number;
  retentionPerFlow: number;
  retentionIntervalMs: number;
  maxStepsPerRun: number;
  maxStepBytes: number;
  maxRunBytes: number;
  workerConcurrency: number;
  sqliteSync: "full" | "normal";
  sqliteGroupCommit: boolean;
  sqliteCommitWindowMs: number;
  /** Test-only fault injection (RUNNEL_CRASH_AT=<point>[:<nth>]). */
  crashAt?: string;
  /** RUNNEL_HTTP_ALLOW: non-public targets outbound HTTP may reach on purpose. */
  httpAllow: AllowList;
  shutdownTimeoutMs: number;
  logLevel: "debug" | "info" | "warn" | "error" | "silent";
};

/** Reads configuration from the environment; a bad value fails with one line naming it. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0]);
    // A database URL may carry a password: never echo it.
    const shown = (env[name] ?? "").replace(/\/\/[^/@]*@/, "//***@");
    throw new ConfigError(`invalid configuration: ${name}=${JSON.stringify(shown)}: ${issue.message}`);
  }
  const e = parsed.data;
  try {
    crashHookFromSpec(e.RUNNEL_CRASH_AT, () => undefined);
  } catch (err) {
    if (err instanceof CrashSpecError) throw new ConfigError(`invalid configuration: RUNNEL_CRASH_AT=${JSON.stringify(e.RUNNEL_CRASH_AT)}: ${err.message}`);
    throw err;
  }
  if (!LOOPBACK.has(e.HOST) && !e.RUNNEL_API_TOKEN) {
    throw new ConfigError(
      `invalid configuration: HOST=${e.HOST} exposes Runnel beyond this machine; set RUNNEL_API_TOKEN (16+ characters) or bind HOST=127.0.0.1`,
    );
  }
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.RUNNEL_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    pgSchema: e.RUNNEL_PG_SCHEMA,
    pgPoolSize: e.RUNNEL_PG_POOL_SIZE,
    leaseMs: e.RUNNEL_LEASE_MS,
    apiToken: e.RUNNEL_API_TOKEN,
    secretKey: e.RUNNEL_SECRET_KEY === undefined ? undefined : parseSetting(e.RUNNEL_SECRET_KEY, parseSecretKey, SecretKeyError, "RUNNEL_SECRET_KEY", false),
    maxBodyBytes: e.RUNNEL_MAX_BODY,
    retentionDays: e.RUNNEL_RUN_RETENTION_DAYS,
    retentionPerFlow: e.RUNNEL_RUN_RETENTION_PER_FLOW,
    retentionIntervalMs: e.RUNNEL_RETENTION_INTERVAL,
    maxStepsPerRun: e.RUNNEL_MAX_STEPS_PER_RUN,
    maxStepBytes: e.RUNNEL_MAX_STEP_BYTES,
    maxRunBytes: e.RUNNEL_MAX_RUN_BYTES,
    workerConcurrency: e.RUNNEL_WORKER_CONCURRENCY,
    sqliteSync: e.RUNNEL_SQLITE_SYNC,
    sqliteGroupCommit: e.RUNNEL_SQLITE_GROUP_COMMIT === "on",
    sqliteCommitWindowMs: e.RUNNEL_SQLITE_COMMIT_WINDOW_MS,
    crashAt: e.RUNNEL_CRASH_AT,
    httpAllow: parseSetting(e.RUNNEL_HTTP_ALLOW, parseAllowList, AllowListError, "RUNNEL_HTTP_ALLOW", true),
    shutdownTimeoutMs: e.RUNNEL_SHUTDOWN_TIMEOUT,
    logLevel: e.LOG_LEVEL,
  };
}

/**
 * A setting parsed by its own module; its error becomes the one-line ConfigError. A secret's
 * value is never repeated in the message.
 */
function parseSetting<T>(
  text: string,
  parse: (text: string) => T,
  errorType: new (...args: never[]) => Error,
  name: string,
  showValue: boolean,
): T {
  try {
    return parse(text);
  } catch (err) {
    if (!(err instanceof errorType)) throw err;
    if (err.message.startsWith(`${name} `)) throw new ConfigError(`invalid configuration: ${err.message}`);
    const reason = err.message.startsWith(`${name}: `) ? err.message.slice(name.length + 2) : err.message;
    throw new ConfigError(`invalid configuration: ${name}${showValue ? `=${JSON.stringify(text)}` : ""}: ${reason}`);
  }
}
