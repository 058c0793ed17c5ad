/**
 * Loaded into the server by latency-inside.ts (`node --import`): times each webhook request from
 * Node's `request` event to the response's `finish`, the event loop's delay, GC pauses and WAL syncs
 * (from their start until their writers are told; `thread`: how many ran on the sync thread), and
 * on SIGUSR2 writes their percentiles since the last signal to stderr as one JSON line.
 */
import diagnostics from "node:diagnostics_channel";
import http from "node:http";
import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";

const requests = [];
const pauses = [];
const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, req, res) {
  if (event === "request" && req.url.startsWith("/hooks/")) {
    const started = performance.now();
    res.once("finish", () => requests.push(performance.now() - started));
  }
  return emit.apply(this, arguments);
};
const syncs = [];
let syncStarted = 0;
let onThread = 0;
diagnostics.subscribe("runnel:wal-sync", ({ phase, thread }) => {
  if (phase === "start") syncStarted = performance.now();
  else {
    syncs.push(performance.now() - syncStarted);
    if (thread) onThread++;
  }
});
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) pauses.push(entry.duration);
}).observe({ entryTypes: ["gc"] });

const ms = (value) => Math.round(value * 100) / 100;
function percentiles(values) {
  const sorted = values.sort((a, b) => a - b);
  const at = (p) => ms(sorted[Math.floor(p * (sorted.length - 1))] ?? 0);
  return { count: sorted.length, p50: at(0.5), p99: at(0.99), max: at(1) };
}

process.on("SIGUSR2", () => {
  const gc = pauses.splice(0);
  const report = {
    request: percentiles(requests.splice(0)),
    loopDelay: { p50: ms(loopDelay.percentile(50) / 1e6), p99: ms(loopDelay.percentile(99) / 1e6), max: ms(loopDelay.max / 1e6) },
    gc: { ...percentiles([...gc]), totalMs: ms(gc.reduce((sum, pause) => sum + pause, 0)) },
    sync: { ...percentiles(syncs.splice(0)), thread: onThread },
  };
  onThread = 0;
  loopDelay.reset();
  process.stderr.write(`latency-inside ${JSON.stringify(report)}\n`);
});
