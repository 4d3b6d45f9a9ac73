/**
 * UUIDv7 (RFC 9562): time-ordered, made on the client, so rows created offline on two machines never collide
 * and still sort by creation time.
 */
const hex = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));
/** Random bytes drawn 4 KB at a time: asking the system for 10 bytes per id cost more than the rest of making it. */
const pool = new Uint8Array(4096);
let poolAt = pool.length;

export function uuidv7(now: number = Date.now()): string {
  if (poolAt + 10 > pool.length) {
    globalThis.crypto.getRandomValues(pool);
    poolAt = 0;
  }
  const bytes = new Uint8Array(16);
  bytes.set(pool.subarray(poolAt, poolAt + 10), 6);
  poolAt += 10;
  let ms = now;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  let text = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) text += '-';
    text += hex[bytes[i] ?? 0];
  }
  return text;
}

export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** When a UUIDv7 was made, in ms since the epoch: its first 48 bits. */
export function uuidv7Time(id: string): number {
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
