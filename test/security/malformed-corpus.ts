/** Generates hostile and careless requests over every route: bodies, types, sizes, ids, paths. */
export interface MalformedRequest {
  name: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  chunks?: Uint8Array[];
}

const deep = (open: string, close: string, n: number) => open.repeat(n) + "1" + close.repeat(n);

export function badBodies(limit: number): { name: string; body?: MalformedRequest["body"]; chunks?: Uint8Array[]; type?: string }[] {
  const json = "application/json";
  return [
    { name: "truncated", body: '{"name": "x", "nodes": [', type: json },
    { name: "trailing garbage", body: '{"name":"x"} trailing', type: json },
    { name: "single quotes", body: "{'name':'x'}", type: json },
    { name: "NaN", body: '{"n": NaN}', type: json },
    { name: "bare word", body: "undefined", type: json },
    { name: "empty object", body: "{}", type: json },
    { name: "array", body: "[1,2,3]", type: json },
    { name: "string", body: '"just a string"', type: json },
    { name: "null", body: "null", type: json },
    { name: "number", body: "12345", type: json },
    { name: "BOM", body: '\ufeff{"name":"x"}', type: json },
    { name: "control chars", body: '{"name":"a\u0001\u0000b"}', type: json },
    { name: "invalid utf-8", body: new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), type: json },
    { name: "lone surrogate", body: '{"name":"\\ud800"}', type: json },
    { name: "10k-deep arrays", body: deep("[", "]", 10_000), type: json },
    { name: "10k-deep objects", body: deep('{"a":', "}", 10_000), type: json },
    { name: "huge string", body: JSON.stringify({ name: "x".repeat(Math.floor(limit * 0.9)) }), type: json },
    { name: "huge number", body: '{"name":"x","version":1e400,"n":123456789012345678901234567890}', type: json },
    { name: "negative version", body: '{"name":"x","version":-1}', type: json },
    { name: "__proto__ key", body: '{"__proto__":{"polluted":true},"name":"x","nodes":[{"id":"a","type":"manual","config":{"__proto__":{"polluted":true}}}]}', type: json },
    { name: "constructor key", body: '{"constructor":{"prototype":{"polluted":true}},"name":"x"}', type: json },
    { name: "wrong types", body: '{"name":5,"nodes":"no","edges":{},"active":"yes"}', type: json },
    { name: "text/plain json", body: '{"name":"x"}', type: "text/plain" },
    { name: "form", body: "name=x&nodes=1", type: "application/x-www-form-urlencoded" },
    { name: "multipart", body: "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b--", type: "multipart/form-data; boundary=b" },
    { name: "no content type", body: '{"name":"x"}' },
    { name: "oversized", body: JSON.stringify({ name: "x".repeat(limit + 10) }), type: json },
    { name: "oversized chunked", type: json, chunks: Array.from({ length: Math.ceil(limit / 65536) + 1 }, () => new TextEncoder().encode("x".repeat(65536))) },
    { name: "chunked small", type: json, chunks: ['{"na', 'me":', '"x"}'].map((p) => new TextEncoder().encode(p)) },
  ];
}

export const hostileIds = [
  "..%2F..%2Fetc%2Fpasswd",
  "..",
  "%2e%2e",
  "%00",
  "a%00b",
  "x".repeat(5000),
  "%F0%9F%92%A9",
  "%ZZ",
  "'%20OR%201=1--",
  "flw_%22%3E%3Cscript%3E",
  "__proto__",
  "constructor",
];

export const badQueries = [
  "status=exploded",
  "limit=-1",
  "limit=abc",
  "limit=1e9",
  "since=not-a-date",
  "until=%00",
  "cursor=" + "z".repeat(300),
  "flowId=" + "f".repeat(300),
  "q=" + "%25".repeat(200),
  "limit=10&limit=20",
  "status[]=queued",
  "__proto__[x]=1",
];
