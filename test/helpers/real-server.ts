import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { tempDir } from "./temp-store.ts";

const root = path.resolve(import.meta.dirname, "..", "..");

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
    server.once("error", reject);
  });
}

export interface RealServer {
  url: string;
  dataDir: string;
  child: ChildProcess;
  output(): string;
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** Resolves when the process ends, however it ends. */
  exit: Promise<ProcessExit>;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The child ended before it answered health (a crash test may make it do that on purpose). */
export class ServerExitedEarly extends Error {
  constructor(readonly exit: ProcessExit, readonly output: string) {
    super(`server exited early (${exit.signal ?? exit.code}):\n${output}`);
  }
}

/** The Node flags `npm start` starts the server with (package.json); tests and benches start it the same way. */
export const SERVER_NODE_FLAGS = ["--v8-pool-size=0"];

/** Starts `runnel start` as a child process on a free port with a temp data dir. */
export async function startRealServer(
  options: { env?: Record<string, string>; dataDir?: string; command?: string; nodeArgs?: string[] } = {},
): Promise<RealServer> {
  const port = await freePort();
  const temp = options.dataDir ? undefined : tempDir("runnel-server-");
  const dataDir = options.dataDir ?? temp!.dir;
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, ...(options.nodeArgs ?? []), path.join(root, "bin", "runnel.js"), options.command ?? "start"], {
    cwd: root,
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", RUNNEL_DATA_DIR: dataDir, LOG_LEVEL: "warn", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const exit = new Promise<ProcessExit>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const exited = exit.then((e) => e.code);
  const deadline = Date.now() + 30_000;
  for (;;) {
    // A process killed by a signal has no exit code, only a signal code.
    if (child.exitCode !== null || child.signalCode !== null) throw new ServerExitedEarly(await exit, output);
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server did not answer within 30 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    url,
    dataDir,
    child,
    exit,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      const code = await exited;
      temp?.remove();
      return code;
    },
    async kill() {
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}
