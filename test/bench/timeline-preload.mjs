/**
 * Loaded into the server by timeline.ts (`node --import`): while on (SIGUSR1 until SIGUSR2), it
 * records when each webhook request is emitted, its `end()` call and its `finish`, each `COMMIT`
 * (better-sqlite3's prepared statement) and each WAL sync from its start until its writers are
 * told, then writes the events as JSON to TIMELINE_OUT.
 */
import diagnostics from "node:diagnostics_channel";
import fs from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import path from "node:path";

const events = [];
let on = false;
let sockets = 0;
const now = () => performance.now() * 1000;

const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, req, res) {
  if (on && event === "request" && req.url.startsWith("/hooks/")) {
    const socket = (req.socket.timelineId ??= ++sockets);
    events.push([now(), "request", socket]);
    res.once("finish", () => events.push([now(), "finish", socket]));
  }
  return emit.apply(this, arguments);
};
const end = http.ServerResponse.prototype.end;
http.ServerResponse.prototype.end = function (...args) {
  if (on && this.socket?.timelineId) events.push([now(), "end", this.socket.timelineId]);
  return end.apply(this, args);
};

// The store announces each WAL sync, on libuv's pool or on its sync thread (engine/store/sqlite/wal-sync.ts).
diagnostics.subscribe("runnel:wal-sync", ({ phase }) => {
  if (on) events.push([now(), phase === "start" ? "sync" : "synced", 0]);
});

// The server runs from the repository root and loads the same better-sqlite3, so the prototype is shared.
const Database = createRequire(path.join(process.cwd(), "package.json"))("better-sqlite3");
const scratch = new Database(":memory:");
const Statement = Object.getPrototypeOf(scratch.prepare("SELECT 1"));
scratch.close();
const run = Statement.run;
Statement.run = function (...args) {
  if (!on || this.source !== "COMMIT") return run.apply(this, args);
  events.push([now(), "commit", 0]);
  try {
    return run.apply(this, args);
  } finally {
    events.push([now(), "committed", 0]);
  }
};

process.on("SIGUSR1", () => {
  events.length = 0;
  on = true;
});
process.on("SIGUSR2", () => {
  on = false;
  fs.writeFileSync(process.env.TIMELINE_OUT, JSON.stringify(events));
});
