import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import type { FlowInput } from "../../engine/model/index.ts";
import { flow } from "./flows.ts";
import { SERVER_NODE_FLAGS } from "./real-server.ts";
import { tempDir } from "./temp-store.ts";

/** Every process of one deployment shares the credentials key (docs/scaling.md). */
export const clusterSecretKey = (): string => randomBytes(32).toString("base64");

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
  const dataDir = tempDir("runnel-worker-");
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, path.join(root, "bin", "runnel.js"), "worker"], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: "info", RUNNEL_DATA_DIR: dataDir.dir, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  void exited.then(() => dataDir.remove());
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

/** webhook (`/hooks/<path>`) → dedupe on `body.id` → http POST of the body to `target`: the cluster scenario. */
export function dedupeToHttpFlow(path: string, target: string): FlowInput {
  return flow(
    "Orders",
    [
      { id: "w", type: "webhook", config: { path } },
      { id: "d", type: "dedupe", config: { key: "body.id", window: "1h", scope: "flow" } },
      { id: "h", type: "http", config: { method: "POST", url: target, body: "body" } },
    ],
    ["w->d", "d:out->h"],
  );
}

/** Saves a flow through the API of a running process. */
export async function saveFlow(apiUrl: string, input: FlowInput): Promise<void> {
  const res = await fetch(`${apiUrl}/api/flows`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(input) });
  if (res.status !== 201) throw new Error(`saving flow ${input.name} failed: ${res.status} ${await res.text()}`);
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
