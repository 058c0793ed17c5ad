// JavaScript evaluated inside each fresh QuickJS context BEFORE any user code runs.
//
// It captures the built-ins the host relies on (JSON, String, Object.keys, the
// AsyncFunction constructor, …) while they are still pristine, installs `console`, and
// hands the host three functions. User code may later replace globals such as
// JSON.stringify or Promise.prototype.then; that only changes what its own output looks
// like: the host holds handles to the captured originals, reads promise state natively,
// and parses the result text itself.
//
//   start(source, inputJson) compiles `source` as the body of `async function (msg)` and
//                            calls it with JSON.parse(inputJson)
//   finish(value)            JSON text of the settled value, or undefined for "nothing".
//                            Written in JS rather than calling the native JSON.stringify so
//                            that it stays interruptible, stops as soon as the text exceeds
//                            `maxOutput` characters and refuses nesting deeper than
//                            `maxDepth` (native recursion that deep can exhaust V8's own
//                            stack and trap the wasm instance). Same output as JSON.stringify
//                            for plain data, toJSON and boxed primitives included.
//   describe(error)          "Name: message" of a thrown value, bounded in length
//
// `hostLog(level, text)` is the only host function the VM can reach, and only through the
// console closures; it receives strings already cut to `maxLine` characters.
export const SANDBOX_PRELUDE = String.raw`(function (hostLog, maxLine, maxOutput, maxDepth) {
  "use strict";
  const stringify = JSON.stringify;
  const parse = JSON.parse;
  const toText = String;
  const invoke = Function.prototype.call.bind(Function.prototype.call);
  const slice = Function.prototype.call.bind(String.prototype.slice);
  const keysOf = Object.keys;
  const defineProp = Object.defineProperty;
  const isArray = Array.isArray;
  const isFiniteNumber = Number.isFinite;
  const NumberClass = Number, StringClass = String, BooleanClass = Boolean;
  const booleanValue = Boolean.prototype.valueOf;
  const ErrorClass = Error, TypeErrorClass = TypeError, RangeErrorClass = RangeError;
  const AsyncFunction = (async function () {}).constructor;
  const MAX_ERROR = 2000;

  function format(value) {
    if (typeof value === "string") return value;
    try {
      const json = stringify(value);
      if (typeof json === "string") return json;
    } catch (e) {}
    try {
      return toText(value);
    } catch (e) {
      return "[unprintable]";
    }
  }

  function logger(level) {
    return function () {
      let text = "";
      for (let i = 0; i < arguments.length && text.length <= maxLine; i++) {
        text += (i === 0 ? "" : " ") + format(arguments[i]);
      }
      hostLog(level, text.length > maxLine ? slice(text, 0, maxLine) : text);
    };
  }

  globalThis.console = { log: logger("log"), info: logger("info"), warn: logger("warn"), error: logger("error"), debug: logger("debug") };

  function set(target, key, value) {
    defineProp(target, key, { value: value, writable: true, enumerable: true, configurable: true });
  }

  function finish(root) {
    if (root === undefined) return undefined;
    let size = 0;
    const seen = [];
    function grow(n) {
      size += n;
      if (size > maxOutput) throw new RangeErrorClass("the output is longer than " + maxOutput + " characters");
    }
    function quote(text) {
      grow(text.length + 2); // checked before the native call does any work
      const json = stringify(text);
      grow(json.length - text.length - 2);
      return json;
    }
    function str(holder, key, depth) {
      let value = holder[key];
      if ((typeof value === "object" && value !== null) || typeof value === "bigint") {
        const toJSON = value.toJSON;
        if (typeof toJSON === "function") value = invoke(toJSON, value, key);
      }
      if (typeof value === "object" && value !== null) {
        if (value instanceof NumberClass) value = NumberClass(value);
        else if (value instanceof StringClass) value = toText(value);
        else if (value instanceof BooleanClass) value = invoke(booleanValue, value);
      }
      switch (typeof value) {
        case "string":
          return quote(value);
        case "number": {
          const text = isFiniteNumber(value) ? toText(value) : "null";
          grow(text.length);
          return text;
        }
        case "boolean":
          grow(5);
          return value ? "true" : "false";
        case "bigint":
          throw new TypeErrorClass("a BigInt cannot be serialised as JSON");
        case "undefined":
        case "function":
        case "symbol":
          return undefined;
      }
      if (value === null) {
        grow(4);
        return "null";
      }
      if (depth >= maxDepth) throw new RangeErrorClass("the output is nested deeper than " + maxDepth + " levels");
      for (let i = 0; i < depth; i++) if (seen[i] === value) throw new TypeErrorClass("circular reference");
      set(seen, depth, value);
      let out;
      if (isArray(value)) {
        const length = value.length;
        out = "[";
        grow(2);
        for (let i = 0; i < length; i++) {
          if (i > 0) {
            grow(1);
            out += ",";
          }
          const item = str(value, i, depth + 1);
          if (item === undefined) grow(4);
          out += item === undefined ? "null" : item;
        }
        out += "]";
      } else {
        const keys = keysOf(value);
        out = "{";
        grow(2);
        let first = true;
        for (let i = 0; i < keys.length; i++) {
          const item = str(value, keys[i], depth + 1);
          if (item === undefined) continue;
          const member = quote(keys[i]) + ":" + item;
          grow(first ? 1 : 2);
          out += (first ? "" : ",") + member;
          first = false;
        }
        out += "}";
      }
      set(seen, depth, undefined);
      return out;
    }
    const wrapper = {};
    set(wrapper, "", root);
    const json = str(wrapper, "", 0);
    if (json === undefined) throw new TypeErrorClass("the returned " + typeof root + " is not JSON-serialisable");
    return json;
  }

  return {
    start(source, inputJson) {
      const fn = new AsyncFunction("msg", source);
      return fn(parse(inputJson));
    },
    finish: finish,
    describe(error) {
      let text;
      try {
        text = error instanceof ErrorClass ? toText(error.name) + ": " + toText(error.message) : "Uncaught " + format(error);
      } catch (e) {
        text = "[unprintable error]";
      }
      return text.length > MAX_ERROR ? slice(text, 0, MAX_ERROR) + "…" : text;
    },
  };
})`;
