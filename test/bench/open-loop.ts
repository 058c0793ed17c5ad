/**
 * Open-loop load at a constant rate: request i is due at start + i / rate whatever happened to the
 * earlier ones, and its latency counts from that due time (so a stall shows in every request it
 * delayed: no coordinated omission). autocannon's `overallRate` is not this: each connection sends
 * back to back until it used its per-second quota, so "1,000 req/s" arrives as a burst at the top of
 * every second and measures a saturated server.
 */
import http from "node:http";
import { payload, percentile, type LoadResult } from "./load.ts";

export interface OpenLoopOptions {
  url: string;
  rate: number;
  durationS: number;
  /** Keep-alive connections to spread the requests over (a busy one queues in the agent). */
  connections: number;
  idPrefix: string;
}

/** `sendLagP99Ms`: how late this process itself sent requests (p99), part of every latency figure. */
export async function openLoop(options: OpenLoopOptions): Promise<LoadResult & { sendLagP99Ms: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const target = new URL(options.url);
  const total = Math.round(options.rate * options.durationS);
  const latencies: number[] = [];
  const sendLags: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let sent = 0;
  const start = performance.now();
  const done = new Promise<void>((resolve) => {
    let finished = 0;
    const finish = () => ++finished === total && resolve();
    const send = (index: number, dueAt: number) => {
      sendLags.push(performance.now() - dueAt);
      const body = payload(options.idPrefix, index);
      const request = http.request(
        { host: target.hostname, port: target.port, path: target.pathname, method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
        (response) => {
          response.resume();
          response.on("end", () => {
            latencies.push(performance.now() - dueAt);
            if ((response.statusCode ?? 0) >= 300) non2xx++;
            finish();
          });
        },
      );
      request.on("error", () => {
        errors++;
        finish();
      });
      request.end(body);
    };
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + (sent * 1000) / options.rate <= now) {
        send(sent, start + (sent * 1000) / options.rate);
        sent++;
      }
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
  await done;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  sendLags.sort((a, b) => a - b);
  return {
    requests: total,
    reqPerSec: Math.round(total / ((performance.now() - start) / 1000)),
    p50Ms: Number(percentile(latencies, 50).toFixed(1)),
    p99Ms: Number(percentile(latencies, 99).toFixed(1)),
    non2xx,
    errors,
    sendLagP99Ms: Number(percentile(sendLags, 99).toFixed(1)),
  };
}
