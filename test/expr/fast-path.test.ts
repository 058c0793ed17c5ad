import fc from "fast-check";
import jsonata from "jsonata";
import { describe, expect, it } from "vitest";
import { evaluateExpression } from "../../engine/expr/index.ts";
import { compileFastPath, NOT_HANDLED } from "../../engine/expr/fast-path.ts";

/** What JSONata itself gives: a value, or the error it throws. */
async function byJsonata(source: string, input: unknown, bindings: Record<string, unknown>) {
  try {
    const value = await jsonata(source).evaluate(input, bindings);
    return { value: Array.isArray(value) ? Array.from(value) : value };
  } catch (error) {
    return { error: (error as { code?: string }).code ?? String(error) };
  }
}

function fast(source: string) {
  const compiled = compileFastPath(jsonata(source).ast());
  if (!compiled) throw new Error(`${source} is outside the fast subset`);
  return compiled;
}

// Expressions built from the subset's grammar, over fields that the generated inputs may or may not have.
const fieldName = fc.constantFrom("a", "b", "amount", "id", "user", "email", "constructor", "toString", "weird key");
const pathExpr = fc.array(fieldName, { minLength: 1, maxLength: 3 }).map((keys) => keys.map((k) => (/^\w+$/.test(k) ? k : `\`${k}\``)).join("."));
const literal = fc.oneof(
  fc.integer({ min: -5, max: 5 }).map(String),
  fc.constantFrom("1.5", "0", "\"x\"", "\"A b\"", "\"\"", "true", "false", "null"),
);
const operand = fc.oneof(pathExpr, literal, fc.constantFrom("$", "$.a", "$v", "$v.a", "$missing"));
const operator = fc.constantFrom(">", ">=", "<", "<=", "=", "!=", "+", "-", "*", "/", "%", "and", "or", "&");
const expr: fc.Arbitrary<string> = fc.letrec((tie) => ({
  e: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    operand,
    fc.tuple(tie("e"), operator, tie("e")).map(([l, op, r]) => `(${l} ${op} ${r})`),
    tie("e").map((e) => `-(${e})`),
    fc.tuple(fc.constantFrom("$lowercase", "$uppercase", "$exists"), tie("e")).map(([f, e]) => `${f}(${e})`),
    fc.array(fc.tuple(fc.constantFrom("k1", "k2", "k3"), tie("e")), { maxLength: 3 }).map((pairs) => {
      const seen = new Set<string>();
      const unique = pairs.filter(([k]) => !seen.has(k) && seen.add(k));
      return `{ ${unique.map(([k, v]) => `"${k}": ${v}`).join(", ")} }`;
    }),
  ),
})).e as fc.Arbitrary<string>;

const leaf = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
  fc.constantFrom("x", "A b", "", "É", true, false, null),
);
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: "small" },
    leaf,
    fc.array(tie("v"), { maxLength: 3 }),
    fc.dictionary(fieldName, tie("v"), { maxKeys: 4 }),
  ),
})).v;
const input = fc.oneof(fc.dictionary(fieldName, value, { maxKeys: 5 }), value);

describe("fast path for simple JSONata expressions", () => {
  it("handles the benchmark's expressions natively, with JSONata's results", async () => {
    const msg = { body: { id: "o-1", amount: 5, user: { email: "Ann@Example.COM" } } };
    for (const source of ["body.amount > 0", "body.id", '{ "id": body.id, "total": body.amount * 1.2, "email": $lowercase(body.user.email) }']) {
      const result = fast(source)(msg, {});
      expect(result).not.toBe(NOT_HANDLED);
      expect(result).toEqual((await byJsonata(source, msg, {})).value);
    }
  });

  it("leaves predicates, wildcards, function bodies and unknown functions to JSONata", () => {
    for (const source of ["items[0]", "a.*", "a[b > 1]", "$sum(a)", "function($x) { $x }", "a ? b : c", "a.b.(c)", "$string(a)", "a ~> $lowercase"]) {
      expect(compileFastPath(jsonata(source).ast()), source).toBeUndefined();
    }
  });

  it("gives JSONata's value whenever it answers, and declines whatever JSONata would refuse", async () => {
    let answered = 0;
    const runs = Number(process.env.FAST_PATH_RUNS ?? 3_000);
    await fc.assert(
      fc.asyncProperty(expr, input, value, async (source, data, bound) => {
        const bindings = { v: bound };
        const expected = await byJsonata(source, data, bindings);
        const got = fast(source)(data, bindings);
        if (got === NOT_HANDLED) return;
        answered++;
        expect(expected.error, `${source} on ${JSON.stringify(data)}: JSONata threw, the fast path answered ${JSON.stringify(got)}`).toBeUndefined();
        expect(got, `${source} on ${JSON.stringify(data)}`).toEqual(expected.value);
      }),
      { numRuns: runs },
    );
    // The comparison means something only if the fast path answered a fair share itself.
    expect(answered / runs).toBeGreaterThan(0.15);
  });

  it("answers most messages shaped like the ones flows see", async () => {
    let handled = 0;
    const runs = 500;
    await fc.assert(
      fc.asyncProperty(fc.record({ amount: fc.integer(), id: fc.string(), user: fc.record({ email: fc.string() }) }), async (body) => {
        const source = '{ "id": body.id, "total": body.amount * 1.2, "email": $lowercase(body.user.email), "big": body.amount > 10 and body.id != "" }';
        const got = fast(source)({ body }, {});
        if (got !== NOT_HANDLED) handled++;
        expect(got === NOT_HANDLED ? (await byJsonata(source, { body }, {})).value : got).toEqual((await byJsonata(source, { body }, {})).value);
      }),
      { numRuns: runs },
    );
    expect(handled).toBe(runs);
  });

  it("falls back to JSONata through evaluateExpression, errors included", async () => {
    await expect(evaluateExpression("a.b", { a: [{ b: 1 }, { b: 2 }] })).resolves.toEqual([1, 2]);
    await expect(evaluateExpression("a > 1", { a: "x" })).rejects.toThrow(/a > 1/);
    await expect(evaluateExpression("a * 2", { a: 4 })).resolves.toBe(8);
    await expect(evaluateExpression("$lowercase(a)", { a: "Q" }, { lowercase: () => "shadowed" })).resolves.toBe("shadowed");
  });
});
