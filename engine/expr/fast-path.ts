/**
 * Native evaluation of the simplest JSONata expressions — field paths, literals, comparisons,
 * arithmetic, object constructors with literal keys, `$lowercase`/`$uppercase`/`$exists` — the
 * ones most flows are made of. JSONata evaluates every expression through async generators and
 * allocates a frame per step; this walks plain objects directly, several times faster.
 *
 * Exactness over reach: a fast function returns NOT_HANDLED whenever the data steps outside
 * what it is sure to evaluate exactly as JSONata does (an array anywhere, a key inherited from a
 * prototype, operands of mixed types, a non-finite result, anything that would be an error), and
 * the caller then evaluates with JSONata itself, errors included. test/expr/fast-path.test.ts
 * checks every shape against JSONata on generated data.
 */
export const NOT_HANDLED: unique symbol = Symbol("not handled");

export type FastFunction = (input: unknown, bindings: Record<string, unknown>) => unknown;

interface AstNode {
  type: string;
  value?: unknown;
  steps?: AstNode[];
  lhs?: AstNode | AstNode[][];
  rhs?: AstNode;
  expression?: AstNode;
  arguments?: AstNode[];
  procedure?: AstNode;
  [other: string]: unknown;
}

/** A native function for `ast`, or undefined when the expression is outside the fast subset. */
export function compileFastPath(ast: unknown): FastFunction | undefined {
  return compileNode(ast as AstNode);
}

/** The node's keys besides `position` are exactly `allowed`: any extra (a predicate, a stage, keepArray…) means JSONata semantics we do not copy. */
function only(node: AstNode, ...allowed: string[]): boolean {
  for (const key of Object.keys(node)) if (key !== "position" && node[key] !== undefined && !allowed.includes(key)) return false;
  return true;
}

function compileNode(node: AstNode): FastFunction | undefined {
  switch (node.type) {
    case "number":
    case "string":
    case "value":
      return only(node, "type", "value") ? constant(node.value) : undefined;
    case "variable":
      return only(node, "type", "value") && typeof node.value === "string" ? variable(node.value) : undefined;
    case "block": {
      // `( expression )`: one expression in parentheses is that expression.
      const inner = node.expressions as AstNode[] | undefined;
      return only(node, "type", "expressions") && inner?.length === 1 ? compileNode(inner[0]!) : undefined;
    }
    case "path":
      return only(node, "type", "steps") ? path(node.steps ?? []) : undefined;
    case "binary":
      return only(node, "type", "value", "lhs", "rhs") ? binary(node) : undefined;
    case "unary":
      if (node.value === "-" && only(node, "type", "value", "expression")) return negate(node.expression!);
      if (node.value === "{" && only(node, "type", "value", "lhs")) return objectConstructor(node.lhs as AstNode[][]);
      return undefined;
    case "function":
      return only(node, "type", "value", "arguments", "procedure") && node.value === "(" ? call(node) : undefined;
    default:
      return undefined;
  }
}

function constant(value: unknown): FastFunction | undefined {
  if (value === null || typeof value === "string" || typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value))) return () => value;
  return undefined;
}

/** A value JSONata would hand on unchanged: no arrays (sequences flatten), no functions. */
function plain(value: unknown): unknown {
  if (value === undefined || value === null) return value;
  const type = typeof value;
  if (type === "string" || type === "boolean") return value;
  if (type === "number") return Number.isFinite(value) ? value : NOT_HANDLED;
  if (type === "object" && !Array.isArray(value)) return value;
  return NOT_HANDLED;
}

function variable(name: string): FastFunction {
  // `$` alone is the input; any other variable must be one of the caller's bindings (a builtin
  // function name, or a binding shadowing one, is JSONata's business).
  if (name === "") return (input) => plain(input);
  return (_input, bindings) => (Object.hasOwn(bindings, name) ? plain(bindings[name]) : NOT_HANDLED);
}

function path(steps: AstNode[]): FastFunction | undefined {
  if (steps.length === 0) return undefined;
  const [first, ...rest] = steps;
  let start: FastFunction | undefined;
  if (first!.type === "variable") start = compileNode(first!);
  else if (first!.type === "name" && only(first!, "type", "value") && typeof first!.value === "string") {
    const key = first!.value;
    start = (input) => field(input, key);
  }
  if (!start || rest.length === 0) return start;
  const keys: string[] = [];
  for (const step of rest) {
    if (step.type !== "name" || !only(step, "type", "value") || typeof step.value !== "string") return undefined;
    keys.push(step.value);
  }
  return (input, bindings) => {
    let value = start(input, bindings);
    for (const key of keys) {
      if (value === NOT_HANDLED || value === undefined) return value;
      value = field(value, key);
    }
    return value;
  };
}

/** `object.key` as JSONata reads it from one object; anything else (arrays, primitives, inherited keys) is not handled. */
function field(object: unknown, key: string): unknown {
  if (object === undefined) return undefined;
  if (object === null || typeof object !== "object" || Array.isArray(object)) return NOT_HANDLED;
  if (!Object.hasOwn(object, key)) return Object.getPrototypeOf(object) === Object.prototype && !(key in object) ? undefined : NOT_HANDLED;
  return plain((object as Record<string, unknown>)[key]);
}

type Operands = [unknown, unknown];

function binary(node: AstNode): FastFunction | undefined {
  const lhs = compileNode(node.lhs as AstNode);
  const rhs = node.rhs && compileNode(node.rhs);
  const op = operators[node.value as string];
  if (!lhs || !rhs || !op) return undefined;
  return (input, bindings) => {
    const left = lhs(input, bindings);
    if (left === NOT_HANDLED) return left;
    const right = rhs(input, bindings);
    if (right === NOT_HANDLED) return right;
    return op([left, right]);
  };
}

const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isPrimitive = (v: unknown) => v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean";

function compare(test: (a: number | string, b: number | string) => boolean) {
  return ([a, b]: Operands): unknown => {
    const comparable = (v: unknown) => v === undefined || isNumber(v) || typeof v === "string";
    if (!comparable(a) || !comparable(b)) return NOT_HANDLED;
    if (a === undefined || b === undefined) return undefined;
    return typeof a === typeof b ? test(a as number, b as number) : NOT_HANDLED;
  };
}

function arithmetic(apply: (a: number, b: number) => number) {
  return ([a, b]: Operands): unknown => {
    if ((a !== undefined && !isNumber(a)) || (b !== undefined && !isNumber(b))) return NOT_HANDLED;
    if (a === undefined || b === undefined) return undefined;
    const result = apply(a, b);
    return Number.isFinite(result) ? result : NOT_HANDLED;
  };
}

function equality(equal: boolean) {
  return ([a, b]: Operands): unknown => {
    if (a === undefined || b === undefined) return false;
    if (!isPrimitive(a) || !isPrimitive(b)) return NOT_HANDLED;
    return (a === b) === equal;
  };
}

function logical(and: boolean) {
  return ([a, b]: Operands): unknown => {
    const left = a === undefined ? false : a;
    const right = b === undefined ? false : b;
    if (typeof left !== "boolean" || typeof right !== "boolean") return NOT_HANDLED;
    return and ? left && right : left || right;
  };
}

const operators: Record<string, (operands: Operands) => unknown> = {
  ">": compare((a, b) => a > b),
  ">=": compare((a, b) => a >= b),
  "<": compare((a, b) => a < b),
  "<=": compare((a, b) => a <= b),
  "=": equality(true),
  "!=": equality(false),
  "+": arithmetic((a, b) => a + b),
  "-": arithmetic((a, b) => a - b),
  "*": arithmetic((a, b) => a * b),
  "/": arithmetic((a, b) => a / b),
  "%": arithmetic((a, b) => a % b),
  and: logical(true),
  or: logical(false),
  "&": ([a, b]) => {
    if ((a !== undefined && typeof a !== "string") || (b !== undefined && typeof b !== "string")) return NOT_HANDLED;
    return (a ?? "") + (b ?? "");
  },
};

function negate(expression: AstNode): FastFunction | undefined {
  const inner = compileNode(expression);
  if (!inner) return undefined;
  return (input, bindings) => {
    const value = inner(input, bindings);
    if (value === undefined || value === NOT_HANDLED) return value;
    return isNumber(value) ? -value : NOT_HANDLED;
  };
}

function objectConstructor(pairs: AstNode[][]): FastFunction | undefined {
  const keys: string[] = [];
  const values: FastFunction[] = [];
  for (const pair of pairs) {
    const [key, value] = pair;
    if (pair.length !== 2 || key!.type !== "string" || !only(key!, "type", "value") || typeof key!.value !== "string") return undefined;
    if (keys.includes(key!.value)) return undefined;
    const compiled = compileNode(value!);
    if (!compiled) return undefined;
    keys.push(key!.value);
    values.push(compiled);
  }
  return (input, bindings) => {
    // JSONata groups an array input by key; one object (or nothing) is one group.
    if (Array.isArray(input)) return NOT_HANDLED;
    const out: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) {
      const value = values[i]!(input, bindings);
      if (value === NOT_HANDLED) return value;
      if (value !== undefined) out[keys[i]!] = value;
    }
    return out;
  };
}

const functions: Record<string, (value: unknown) => unknown> = {
  lowercase: (v) => (v === undefined ? undefined : typeof v === "string" ? v.toLowerCase() : NOT_HANDLED),
  uppercase: (v) => (v === undefined ? undefined : typeof v === "string" ? v.toUpperCase() : NOT_HANDLED),
  exists: (v) => v !== undefined,
};

function call(node: AstNode): FastFunction | undefined {
  const procedure = node.procedure!;
  const args = node.arguments ?? [];
  if (procedure.type !== "variable" || !only(procedure, "type", "value") || args.length !== 1) return undefined;
  const name = procedure.value as string;
  const apply = Object.hasOwn(functions, name) ? functions[name] : undefined;
  const arg = compileNode(args[0]!);
  if (!apply || !arg) return undefined;
  return (input, bindings) => {
    // A binding of the same name shadows the builtin in JSONata.
    if (Object.hasOwn(bindings, name)) return NOT_HANDLED;
    const value = arg(input, bindings);
    return value === NOT_HANDLED ? value : apply(value);
  };
}
