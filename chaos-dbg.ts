import { startRealServer, type RealServer } from "/work/wt-durability/test/helpers/real-server.ts";
import { tempDir } from "/work/wt-durability/test/helpers/temp-store.ts";
import { inspectDatabase } from "/work/wt-durability/test/reliability/support/invariants.ts";
import { createFlow, effectFlow } from "/work/wt-durability/test/reliability/support/scenario.ts";
import { deliveriesWithRepeats, Sender } from "/work/wt-durability/test/reliability/support/sender.ts";
import { Sink } from "/work/wt-durability/test/reliability/support/sink.ts";
const data = tempDir("runnel-chaos-");
const sink = await new Sink().start();
const env: Record<string,string> = { RUNNEL_LEASE_MS: "2000", RUNNEL_HTTP_ALLOW: "127.0.0.1", ...(process.env.PROF ? { NODE_OPTIONS: "--cpu-prof --cpu-prof-dir=/tmp/prof" } : {}) };
let server: RealServer | undefined = await startRealServer({ dataDir: data.dir, env });
await createFlow(server.url, effectFlow(sink.url, "chaos"));
const sender = new Sender({ url: () => server?.url, path: "chaos", deliveries: deliveriesWithRepeats("e", Number(process.argv[2] ?? 1000)), concurrency: 24, deadlineMs: 120_000 });
const t0 = Date.now();
const timer = setInterval(() => {
  const f = inspectDatabase(data.dir);
  console.log(Math.round((Date.now() - t0) / 1000), "s acked", sender.acked.size, "req", sender.requests, "fail", sender.failedRequests, "sink", sink.calls.length, "unfinished", f.unfinished, "stuck", f.stuck);
}, 2000);
const kills = Number(process.argv[3] ?? 0);
const sending = sender.run();
for (let k = 0; k < kills; k++) {
  await new Promise((r) => setTimeout(r, 300 + Math.random() * 900));
  const d = server!; server = undefined; await d.kill();
  const t = Date.now();
  server = await startRealServer({ dataDir: data.dir, env });
  console.log("restart", Date.now() - t, "ms");
}
await sending;
console.log("sent all in", Date.now() - t0);
await new Promise((r) => setTimeout(r, 5000));
clearInterval(timer);
console.log(server!.output().slice(-3000));
await server!.stop(); await sink.stop(); data.remove();
