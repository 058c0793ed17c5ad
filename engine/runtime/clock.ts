/** Time is injected so schedules, windows, delays and retries are testable without sleeping. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Calls `onDue` after `ms` unless the returned function cancels it first (cheaper than sleep + signal). */
  timer(ms: number, onDue: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  timer(ms, onDue) {
    const timer = setTimeout(onDue, ms);
    return () => clearTimeout(timer);
  },
  sleep(ms, signal) {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  },
};
