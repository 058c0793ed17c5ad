import type { Context } from "hono";
import { ApiError } from "./errors.ts";

/** Reads the raw body, refusing more than `limit` bytes without buffering the excess. */
export async function readRawBody(c: Context, limit: number): Promise<Uint8Array> {
  const declared = Number(c.req.header("content-length"));
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  // A declared length bounds what the HTTP parser delivers, so the body can be read in one go
  // (@hono/node-server then reads the socket directly instead of building a web stream).
  if (c.req.header("content-length") !== undefined && Number.isInteger(declared) && declared >= 0) {
    return new Uint8Array(await c.req.raw.arrayBuffer());
  }
  const stream = c.req.raw.body;
  if (!stream) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

export function tooLarge(limit: number): ApiError {
  return new ApiError(413, "PAYLOAD_TOO_LARGE", `request body is larger than ${limit} bytes (RUNNEL_MAX_BODY)`);
}

const decoder = new TextDecoder("utf-8", { fatal: true });

export function decodeText(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new ApiError(400, "INVALID_ENCODING", "request body is not valid UTF-8");
  }
}

/** Deeper documents are refused: nothing real nests this far, and deep ones overflow the stack later. */
export const MAX_JSON_DEPTH = 256;

export function parseJsonText(text: string): unknown {
  if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
    throw new ApiError(400, "JSON_TOO_DEEP", `request body nests deeper than ${MAX_JSON_DEPTH} levels`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ApiError(400, "INVALID_JSON", `request body is not valid JSON: ${(err as Error).message}`);
  }
}

/** One pass over the text counting brackets outside strings; cheaper than parsing. */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92) i++; // backslash: skip the escaped character
      else if (ch === 34) inString = false;
    } else if (ch === 34) inString = true;
    else if (ch === 91 || ch === 123) {
      if (++depth > max) return true;
    } else if (ch === 93 || ch === 125) depth--;
  }
  return false;
}

export function isJsonType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  return type === "application/json" || type.endsWith("+json");
}

/** JSON body of an API request: must be declared as JSON, parse, and fit the size limit. */
export async function readJsonBody(c: Context, limit: number): Promise<unknown> {
  const bytes = await readRawBody(c, limit);
  if (bytes.byteLength === 0) return undefined;
  if (!isJsonType(c.req.header("content-type"))) {
    throw new ApiError(415, "UNSUPPORTED_MEDIA_TYPE", "send the request body as application/json");
  }
  return parseJsonText(decodeText(bytes));
}
