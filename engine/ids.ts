import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
let lastTime = 0;
let lastRandom: Uint8Array = new Uint8Array(10);
/** Random bytes drawn 1 KiB at a time: one system call per ~100 ids rather than one per id. */
let pool = randomBytes(1024);
let poolOffset = 0;

function freshRandom(): Uint8Array {
  if (poolOffset + 10 > pool.length) {
    pool = randomBytes(1024);
    poolOffset = 0;
  }
  poolOffset += 10;
  return Uint8Array.from(pool.subarray(poolOffset - 10, poolOffset));
}

/**
 * Time-ordered ids (ULID layout, lower-case Crockford base32): sorting by id sorts by
 * creation time, which keeps cursor pagination stable while new runs arrive.
 */
export function newId(prefix: string, now = Date.now()): string {
  if (now <= lastTime) {
    now = lastTime;
    increment(lastRandom);
  } else {
    lastTime = now;
    lastRandom = freshRandom();
  }
  const time = encodeIdTime(now);
  let rand = "";
  let bits = 0;
  let value = 0;
  for (const byte of lastRandom) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      rand += ALPHABET[(value >> bits) & 31];
    }
  }
  return `${prefix}_${time}${rand}`;
}

/** The smallest id with `prefix` created at `ms`: every id below it was created earlier. */
export function idFloor(prefix: string, ms: number): string {
  return `${prefix}_${encodeIdTime(Math.max(0, Math.floor(ms)))}`;
}

/** The 10-character time prefix of an id made at `ms`: ids sort by it. */
export function encodeIdTime(ms: number): string {
  let time = "";
  let t = ms;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  return time;
}

function increment(bytes: Uint8Array): void {
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i]! < 255) {
      bytes[i]!++;
      return;
    }
    bytes[i] = 0;
  }
}
