/**
 * A JSON value with its arrays of numbers carried as binary doubles: what the browser host sends for an answer full
 * of shape points. 5,000 polygons of 20 points are 5.2 MB as JSON, which took the host ~80 ms to write and the page
 * ~50-100 ms to read, most of it turning 200,000 doubles into text and back; packed, they are 3.1 MB and each side
 * takes ~15 ms. Doubles go through exactly, as Electron's structured clone carries them.
 *
 * The message: a 32-bit count of the head's bytes and one of the packed arrays, the head (the value as JSON, each
 * packed array written as `[]`), the packed arrays' lengths (32-bit), and their numbers (64-bit floats), each part
 * aligned to its element size. Every array of numbers is packed, empty ones too, so every `[]` in the head is one:
 * the reader replaces them in the order JSON writes them. Typed arrays are in the machine's byte order: the host and
 * its page are on one computer.
 */

/** Fewer numbers than this in arrays, and the JSON text is as quick and stays readable in a browser's tools. */
export const leastPackedNumbers = 1024;

const isNumberArray = (value: unknown[]): boolean => {
  for (const item of value) if (typeof item !== 'number') return false;
  return true;
};

const isPlainObject = (value: object): boolean => {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
};

/** Sets a key as JSON.parse does, as an own property, even `__proto__`. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/**
 * How many numbers the value's number arrays hold, or null when it holds something JSON writes its own way (a
 * Date, a class with `toJSON`): such a value goes as text.
 */
function countPacked(value: unknown): number | null {
  if (typeof value !== 'object' || value === null) return 0;
  if (Array.isArray(value)) {
    if (isNumberArray(value)) return value.length;
    let count = 0;
    for (const item of value) {
      const inner = countPacked(item);
      if (inner === null) return null;
      count += inner;
    }
    return count;
  }
  if (!isPlainObject(value)) return null;
  let count = 0;
  // A plain object inherits no enumerable keys: `for in` visits its own, without making a list of them.
  for (const key in value) {
    const inner = countPacked((value as Record<string, unknown>)[key]);
    if (inner === null) return null;
    count += inner;
  }
  return count;
}

/** The value as one binary message, or null when it is better sent as JSON text (see `leastPackedNumbers`). */
export function packNumbers(value: unknown): Uint8Array | null {
  const total = countPacked(value);
  if (total === null || total < leastPackedNumbers) return null;
  const numbers = new Float64Array(total);
  const lengths: number[] = [];
  let filled = 0;
  const strip = (item: unknown): unknown => {
    if (typeof item !== 'object' || item === null) return item;
    if (Array.isArray(item)) {
      if (!isNumberArray(item)) return item.map(strip);
      numbers.set(item, filled);
      filled += item.length;
      lengths.push(item.length);
      return [];
    }
    const copy: Record<string, unknown> = {};
    for (const key in item) setOwn(copy, key, strip((item as Record<string, unknown>)[key]));
    return copy;
  };
  const head = new TextEncoder().encode(JSON.stringify(strip(value)));
  const lengthsAt = align(8 + head.length, 4);
  const numbersAt = align(lengthsAt + lengths.length * 4, 8);
  const bytes = new Uint8Array(numbersAt + total * 8);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, head.length, true);
  view.setUint32(4, lengths.length, true);
  bytes.set(head, 8);
  new Uint32Array(bytes.buffer, lengthsAt, lengths.length).set(lengths);
  new Float64Array(bytes.buffer, numbersAt, total).set(numbers);
  return bytes;
}

const align = (offset: number, size: number) => Math.ceil(offset / size) * size;

/** The value `packNumbers` packed, or undefined when these bytes are not such a message. */
export function unpackNumbers(buffer: ArrayBuffer): unknown {
  if (buffer.byteLength < 8) return undefined;
  const view = new DataView(buffer);
  const headBytes = view.getUint32(0, true);
  const arrays = view.getUint32(4, true);
  const lengthsAt = align(8 + headBytes, 4);
  const numbersAt = align(lengthsAt + arrays * 4, 8);
  if (numbersAt > buffer.byteLength || (buffer.byteLength - numbersAt) % 8 !== 0) return undefined;
  const lengths = new Uint32Array(buffer, lengthsAt, arrays);
  const numbers = new Float64Array(buffer, numbersAt);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(buffer, 8, headBytes)));
  } catch {
    return undefined;
  }
  let array = 0;
  let read = 0;
  /** The next packed array, or null past the end of what the message holds. */
  const take = (): number[] | null => {
    if (array >= arrays) return null;
    const length = lengths[array++] ?? 0;
    if (read + length > numbers.length) return null;
    const out: number[] = [];
    for (let i = 0; i < length; i++) out.push(numbers[read + i] ?? 0);
    read += length;
    return out;
  };
  let broken = false;
  /** Puts the packed arrays in place in the parsed head, which is the caller's own to change. */
  const fill = (item: unknown): unknown => {
    if (typeof item !== 'object' || item === null) return item;
    if (Array.isArray(item)) {
      if (item.length === 0) {
        const packed = take();
        if (packed === null) broken = true;
        return packed;
      }
      for (let i = 0; i < item.length; i++) item[i] = fill(item[i]);
      return item;
    }
    const record = item as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const inner = record[key];
      const filled = fill(inner);
      if (filled !== inner) setOwn(record, key, filled);
    }
    return record;
  };
  const filled = fill(value);
  return broken || array !== arrays || read !== numbers.length ? undefined : filled;
}
