/**
 * The load script shared by http.bench.ts and peers.ts, so Runnel and its peers get the same
 * requests: JSON bodies `{ id, amount, user: { email } }` where every id is sent twice (50%
 * repeats) and every tenth request has amount 0 (the pipeline's filter drops it).
 */
import autocannon from "autocannon";
import os from "node:os";

export interface LoadResult {
  requests: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

export interface LoadOptions {
  url: string;
  connections: number;
  durationS: number;
  /** Ids are `<idPrefix>-<n>`, so each scenario starts with keys its dedupe has never seen. */
  idPrefix: string;
}

/** The body of the n-th request. */
export function payload(idPrefix: string, n: number): string {
  return JSON.stringify({
    id: `${idPrefix}-${Math.floor(n / 2)}`,
    amount: n % 10 === 9 ? 0 : (n % 97) + 1,
    user: { email: `User${n % 1000}@Example.com` },
  });
}

export async function load(options: LoadOptions): Promise<LoadResult> {
  let n = 0;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationS,
    requests: [
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        setupRequest: (request) => ({ ...request, body: payload(options.idPrefix, n++) }),
      },
    ],
  });
  return {
    requests: result.requests.total,
    reqPerSec: Math.round(result.requests.total / options.durationS),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Median of each numeric field over rounds of the same scenario. */
export function medianOf<T extends object>(rounds: T[]): T {
  const out: Record<string, unknown> = { ...(rounds[0] as Record<string, unknown>) };
  for (const [key, value] of Object.entries(rounds[0]!)) {
    if (typeof value === "number") out[key] = median(rounds.map((r) => (r as Record<string, number>)[key]!));
  }
  return out as T;
}

export function machine(): { cpu: string; cores: number; node: string; loadavg: string } {
  return {
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
    node: process.version,
    loadavg: os.loadavg().map((l) => l.toFixed(2)).join(" "),
  };
}

export const envNumber = (name: string, fallback: number): number => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
