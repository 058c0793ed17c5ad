import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createApp } from "../../api/app.ts";
import { engineHarness } from "../helpers/engine-harness.ts";

describe("the node catalog", () => {
  it("serves every type with ports and a JSON Schema the editor can render, and each type has its own test file", async () => {
    const h = await engineHarness();
    try {
      const app = createApp({ engine: h.engine, version: "test", maxBodyBytes: 1024 });
      const { nodeTypes } = (await (await app.request("/api/node-types")).json()) as {
        nodeTypes: { type: string; category: string; inputs: string[]; outputs: string[]; configSchema: { type: string; properties: object } }[];
      };
      const byType = new Map(nodeTypes.map((t) => [t.type, t]));
      for (const type of ["webhook", "manual", "schedule", "poll", "filter", "switch", "transform", "split", "delay", "http", "respond", "log"]) {
        const info = byType.get(type);
        expect(info, type).toBeDefined();
        expect(info!.configSchema.type).toBe("object");
        expect(info!.inputs).toEqual(info!.category === "trigger" ? [] : ["in"]);
        expect(existsSync(path.join(import.meta.dirname, `${type}.test.ts`)), `test/nodes/${type}.test.ts`).toBe(true);
      }
      expect(byType.get("schedule")).toMatchObject({ category: "trigger", outputs: ["out"] });
      expect(byType.get("switch")!.outputs).toEqual(["default"]);
      expect(byType.get("http")!.configSchema.properties).toHaveProperty("url.format", "template");
      expect(byType.get("delay")!.configSchema.properties).toHaveProperty("duration.format", "duration");
      expect(byType.get("schedule")!.configSchema.properties).toHaveProperty("cron.format", "cron");
    } finally {
      await h.close();
    }
  });
});
