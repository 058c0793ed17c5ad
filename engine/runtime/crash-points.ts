/**
 * Test-only fault injection: `RUNNEL_CRASH_AT=<point>[:<nth>]` makes the process die with
 * SIGKILL the nth time (default 1st) it reaches a named point, as a power cut or an OOM kill
 * would. Parsed once at startup; when unset, call sites hold `undefined` and pay nothing.
 */
export const CRASH_POINTS = [
  /** Inside a group-commit transaction, after its writes and before COMMIT. */
  "commit.before",
  /** Right after COMMIT, before any caller of the batch hears about it. */
  "commit.after",
  /** A run is committed (ingest, manual, retry) but the caller has not been answered. */
  "ingest.after-commit",
  /** Runs were claimed with a lease, before any of them started executing. */
  "claim.after",
  /** A node did its work (maybe a side effect) and its step is not journaled yet. */
  "step.before-journal",
  /** A step is journaled and nothing downstream has run yet. */
  "step.after-journal",
  /** Every step is done and the run's final status is not committed yet. */
  "finish.before",
  /** Inside a retention batch, after its deletes and before they commit. */
  "retention.batch",
] as const;

export type CrashPoint = (typeof CRASH_POINTS)[number];

/** Called at a crash point; only ever set in fault-injection tests. */
export type CrashHook = (point: CrashPoint) => void;

export class CrashSpecError extends Error {}

/** Parses `<point>[:<nth>]`; returns undefined for an empty spec. */
export function crashHookFromSpec(spec: string | undefined, die: () => void = killSelf): CrashHook | undefined {
  if (spec === undefined || spec.trim() === "") return undefined;
  const [name, nthText] = spec.trim().split(":");
  if (!(CRASH_POINTS as readonly string[]).includes(name!)) {
    throw new CrashSpecError(`unknown crash point ${JSON.stringify(name)}; expected one of ${CRASH_POINTS.join(", ")}`);
  }
  const nth = nthText === undefined ? 1 : Number(nthText);
  if (!Number.isInteger(nth) || nth < 1) throw new CrashSpecError(`crash count must be a positive integer, got ${JSON.stringify(nthText)}`);
  let hits = 0;
  return (point) => {
    if (point === name && ++hits === nth) die();
  };
}

function killSelf(): void {
  process.kill(process.pid, "SIGKILL");
}
