import type { Logger } from "../engine/executor/run-executor.ts";

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;

/** One JSON line per entry on stderr, filtered by LOG_LEVEL. */
export function createLogger(level: keyof typeof LEVELS): Logger {
  const threshold = LEVELS[level];
  return {
    log(entryLevel, message, data) {
      if (LEVELS[entryLevel] < threshold) return;
      process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: entryLevel, message, ...data })}\n`);
    },
  };
}
