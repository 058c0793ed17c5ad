import { spawn } from "node:child_process";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..", "..");

export interface WorkerProcess {
  owner: string;
  pid: number;
  output(): string;
  /** SIGTERM (graceful: hands its runs back) and wait for exit. */
  stop(): Promise<number | null>;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
}

/** Starts `runnel worker` as a child process and waits for its ready line (it serves no HTTP). */
export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [path.join(root, "bin", "runnel.js"), "worker"], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const owner = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker not ready within 30 s:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk;
      const match = /worker (wkr_[0-9a-z]+) ready/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited early (${code}):\n${output}`));
    });
  });
  return {
    owner,
    pid: child.pid!,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exited;
    },
    async kill() {
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}

export interface SinkRequest {
  idempotencyKey: string;
  body: string;
  at: number;
}

/**
 * An HTTP receiver on 127.0.0.1 that records every request it gets, for at-least-once checks.
 * `delayMs` holds each answer back, so calls are in flight when a worker dies.
 */
export async function startSink(delayMs = 0): Promise<{ url: string; requests: SinkRequest[]; close(): Promise<void> }> {
  const requests: SinkRequest[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      requests.push({ idempotencyKey: header(req.headers, "idempotency-key"), body, at: Date.now() });
      const answer = () => res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
      if (delayMs > 0) setTimeout(answer, delayMs);
      else answer();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function header(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  return Array.isArray(value) ? value.join(",") : (value ?? "");
}

/**
 * Sends `count` requests with at most `concurrency` in flight; `onProgress` sees each completion.
 * Bounded in count and, through `deadline`, in time.
 */
export async function sendAll<T>(
  count: number,
  concurrency: number,
  send: (index: number) => Promise<T>,
  options: { deadline: number; onProgress?: (done: number) => Promise<void> | void },
): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  let done = 0;
  const lane = async () => {
    while (next < count) {
      if (Date.now() > options.deadline) throw new Error(`load did not finish in time (${done}/${count} sent)`);
      const index = next++;
      results[index] = await send(index);
      done++;
      await options.onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return results;
}
