import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { Hono } from "hono";
import { serveStatic } from "@hono/node-server/serve-static";

/** Serves the built editor, with index.html for deep links like /flows/:id. */
export function editorRoutes(distDir: string) {
  const app = new Hono();
  const indexFile = path.join(distDir, "index.html");
  // serveStatic resolves `root` against the working directory, not this module.
  const root = path.relative(process.cwd(), distDir) || ".";
  app.get("*", serveStatic({ root }));
  app.get("*", (c) => {
    if (!existsSync(indexFile)) {
      return c.html("<!doctype html><title>Runnel</title><p>The editor is not built yet: run <code>npm run build</code> (npm start does it for you).</p>", 503);
    }
    return c.html(readFileSync(indexFile, "utf8"));
  });
  return app;
}
