// The key credentials are encrypted under: RUNNEL_SECRET_KEY, or else a key generated on the
// first start into <RUNNEL_DATA_DIR>/secret.key (mode 0600), so a fresh install needs no setup.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Logger } from "../engine/executor/run-executor.ts";
import { generateSecretKey, parseSecretKey, SecretKeyError, type SecretKey } from "../engine/security/credential-crypto.ts";
import { ConfigError } from "./config.ts";

export const SECRET_KEY_FILE = "secret.key";

/** The configured key, the data dir's key file, or a newly generated one (with one warning). */
export function loadSecretKey(configured: SecretKey | undefined, dataDir: string, logger: Logger): SecretKey {
  if (configured !== undefined) return configured;
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, SECRET_KEY_FILE);
  const existing = readKeyFile(file);
  if (existing !== undefined) return existing;
  const text = generateSecretKey();
  try {
    // "wx": two processes starting on one data dir must not overwrite each other's key.
    writeFileSync(file, `${text}\n`, { mode: 0o600, flag: "wx" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return readKeyFile(file)!;
    throw err;
  }
  logger.log(
    "warn",
    `RUNNEL_SECRET_KEY is not set: generated a credentials key into ${file} (mode 0600); back it up, ` +
      "or set RUNNEL_SECRET_KEY to its contents (required when several machines share one database)",
  );
  return parseSecretKey(text);
}

function readKeyFile(file: string): SecretKey | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  try {
    return parseSecretKey(text);
  } catch (err) {
    if (err instanceof SecretKeyError) throw new ConfigError(`invalid key file ${file}: it must hold 32 bytes as base64 or hex (${err.message})`);
    throw err;
  }
}
