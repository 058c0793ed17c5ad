import { afterEach } from "vitest";

/**
 * A list of cleanups that tests in the enclosing block (or file) push as they go; after each
 * test they run in reverse order, so what was made last is undone first.
 */
export function cleanupsAfterEach(): { push(...cleanups: (() => Promise<void> | void)[]): void } {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return { push: (...added) => void cleanups.push(...added) };
}
