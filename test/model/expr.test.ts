import { describe, expect, it } from "vitest";
import { ExpressionError, evaluateExpression, expressionCacheStats, renderTemplate } from "../../engine/expr/index.ts";

describe("expressions", () => {
  it("compiles each distinct expression once", async () => {
    const source = `body.amount * ${Math.random()}`;
    const before = expressionCacheStats();
    for (let i = 0; i < 50; i++) await evaluateExpression(source, { body: { amount: i } });
    const after = expressionCacheStats();
    expect(after.misses - before.misses).toBe(1);
    expect(after.hits - before.hits).toBe(49);
  });

  it("reports the expression and position of an error", async () => {
    const error = (await evaluateExpression("body.(", {}).catch((e: unknown) => e)) as ExpressionError;
    expect(error).toBeInstanceOf(ExpressionError);
    expect(error.message).toContain('"body.("');
    expect(error.message).toMatch(/at position \d+/);
    const runtime = await evaluateExpression("$number('x')", {}).catch((e) => e);
    expect(runtime).toBeInstanceOf(ExpressionError);
  });

  it("renders templates and never evaluates data as an expression", async () => {
    const msg = { body: { name: "{{ $run }}", n: 3, tags: ["a"] } };
    expect(await renderTemplate("Hi {{ body.name }} #{{ body.n }} {{ body.tags }}{{ body.missing }}!", msg, { run: "r1" })).toBe(
      'Hi {{ $run }} #3 ["a"]!',
    );
    expect(await renderTemplate("plain text", msg)).toBe("plain text");
  });
});
