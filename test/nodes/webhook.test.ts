import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiHarness } from "../helpers/api-harness.ts";
import { flow } from "../helpers/flows.ts";

describe("webhook node", () => {
  let h: Awaited<ReturnType<typeof apiHarness>>;
  beforeAll(async () => {
    h = await apiHarness();
    await h.engine.flows.create(
      flow(
        "Order items",
        [
          { id: "w", type: "webhook", config: { path: "shops/:shop/orders/:id", method: "PATCH", respond: "respond" } },
          {
            id: "r",
            type: "respond",
            config: { status: 200, body: '{ "shop": params.shop, "order": params.id, "query": query, "agent": headers.`x-agent`, "path": path, "method": method, "body": body }' },
          },
        ],
        ["w->r"],
      ),
    );
  });
  afterAll(async () => h.close());

  it("puts path parameters, query, headers, method and path in the message", async () => {
    const res = await h.call("PATCH", "/hooks/shops/north%20side/orders/o-42?expand=items&tag=a&tag=b&empty=", { qty: 2 }, { "X-Agent": "curl" });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      shop: "north side",
      order: "o-42",
      query: { expand: "items", tag: ["a", "b"], empty: "" },
      agent: "curl",
      path: "/shops/north side/orders/o-42",
      method: "PATCH",
      body: { qty: 2 },
    });
    const { runs } = await h.store.listRuns({ limit: 1 });
    const message = (await h.store.getRunMessage(runs[0]!.id)) as Record<string, unknown>;
    expect(message).toMatchObject({ params: { shop: "north side", id: "o-42" }, query: { tag: ["a", "b"] }, method: "PATCH" });
    expect(message.headers).toMatchObject({ "x-agent": "curl", "content-type": "application/json" });
  });

  it("answers a request without a query with an empty query object, and other methods with 405", async () => {
    const res = await h.call("PATCH", "/hooks/shops/s1/orders/1", { qty: 1 });
    expect(res.json).toMatchObject({ shop: "s1", order: "1", query: {} });
    const wrong = await h.call("POST", "/hooks/shops/s1/orders/1", {});
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("PATCH");
  });
});
