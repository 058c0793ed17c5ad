// Real HTTP(S) servers on 127.0.0.1 for the guardedFetch tests: `a` is the server a test
// admits through RUNNEL_HTTP_ALLOW, `other` stands for an internal service on another
// port that must never be reached, `secure` speaks TLS for the name secure.test.
import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { gzipSync } from "node:zlib";

export interface Hit {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  servername?: string | false | null;
}

export interface TestServer {
  server: Server;
  port: number;
  hits: Hit[];
}

export interface SsrfServers {
  a: TestServer;
  other: TestServer;
  secure: TestServer;
  /** PEM of the self-signed certificate `secure` presents. */
  ca: string;
}

async function listen(server: Server, hits: Hit[]): Promise<TestServer> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port, hits };
}

function recorder(hits: Hit[], handler: (req: IncomingMessage, res: ServerResponse, body: string) => void) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      const servername = (req.socket as TLSSocket).servername;
      hits.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body, ...(servername !== undefined ? { servername } : {}) });
      handler(req, res, body);
    });
  };
}

export async function startSsrfServers(): Promise<SsrfServers> {
  const otherHits: Hit[] = [];
  const other = await listen(createServer(recorder(otherHits, (_req, res) => res.end("internal secret"))), otherHits);
  const hits: Hit[] = [];
  let selfPort = 0; // known once `a` listens; used by its own redirect to "localhost"
  const a = await listen(
    createServer(
      recorder(hits, (req, res, body) => {
        const url = new URL(req.url ?? "/", "http://x");
        const redirect = (status: number, location: string) => {
          res.writeHead(status, { location });
          res.end();
        };
        switch (url.pathname) {
          case "/ok":
            res.setHeader("content-type", "application/json");
            res.setHeader("set-cookie", ["a=1", "b=2"]);
            res.end(JSON.stringify({ host: req.headers.host, method: req.method, body }));
            return;
          case "/to-metadata":
            return redirect(302, "http://169.254.169.254/latest/meta-data/iam/");
          case "/to-other-port":
            return redirect(302, `http://127.0.0.1:${other.port}/secret`);
          case "/to-localhost-name":
            return redirect(307, `http://localhost:${selfPort}/ok`);
          case "/to-file":
            return redirect(302, "file:///etc/passwd");
          case "/see-other":
            return redirect(303, "/ok");
          case "/found":
            return redirect(302, "/ok");
          case "/temporary":
            return redirect(307, "/ok");
          case "/loop":
            return redirect(302, `/loop?n=${Number(url.searchParams.get("n") ?? 0) + 1}`);
          case "/gzip":
            res.writeHead(200, { "content-encoding": "gzip", "content-type": "text/plain" });
            res.end(gzipSync("compressed hello"));
            return;
          case "/bomb":
            res.writeHead(200, { "content-encoding": "gzip" });
            res.end(gzipSync(Buffer.alloc(8 * 1024 * 1024)));
            return;
          case "/big":
            res.end(Buffer.alloc(3 * 1024 * 1024, 0x61));
            return;
          case "/no-content":
            res.writeHead(204);
            res.end();
            return;
          case "/slow":
            res.writeHead(200);
            res.write("partial");
            return; // never ends; the client must abort
          default:
            res.writeHead(404);
            res.end("not found");
        }
      }),
    ),
    hits,
  );
  selfPort = a.port;
  const secureHits: Hit[] = [];
  const fixtures = new URL("./fixtures/", import.meta.url);
  const ca = readFileSync(new URL("tls-secure-test.cert.pem", fixtures), "utf8");
  const secure = await listen(
    createHttpsServer(
      { key: readFileSync(new URL("tls-secure-test.key.pem", fixtures)), cert: ca },
      recorder(secureHits, (req, res) => res.end(`tls ok ${req.headers.host}`)),
    ),
    secureHits,
  );
  return { a, other, secure, ca };
}

export async function stopSsrfServers(servers: SsrfServers): Promise<void> {
  for (const s of [servers.a, servers.other, servers.secure]) {
    s.server.closeAllConnections();
    await new Promise((resolve) => s.server.close(resolve));
  }
}
