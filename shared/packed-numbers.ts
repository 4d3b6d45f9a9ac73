/**
 * A JSON value with its arrays of numbers carried as binary doubles: what the browser host sends for an answer full
 * of shape points. 5,000 polygons of 20 points are 5.2 MB as JSON, most of it 200,000 doubles written as text and
 * read back; packed, they are 3.1 MB, written in ~10 ms of CPU instead of ~29 (Node 24, JSON.stringify and the
 * copy into a Buffer), and the host's whole shapes.list went from 73 to 62 ms of CPU. Doubles go through exactly,
 * as Electron's structured clone carries them.
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

/** An object JSON writes key by key: no class, and no `toJSON` of its own. */
const isPlainObject = (value: object): boolean => {
  const prototype: unknown = Object.getPrototypeOf(value);
  return (prototype === Object.prototype || prototype === null) && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
};

/** Sets a key as JSON.parse does, as an own property, even `__proto__`. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** Where a number array sits: its container, its key there, and the array. */
interface Found {
  holders: (Record<string, unknown> | unknown[])[];
  keys: (string | number)[];
  arrays: number[][];
  total: number;
}

/**
 * Collects the number arrays inside `container`, or answers false when it holds something JSON writes its own way
 * (a Date, a class with `toJSON`): such a value goes as text.
 */
function collect(container: Record<string, unknown> | unknown[], found: Found): boolean {
  const visit = (item: unknown, key: string | number): boolean => {
    if (typeof item !== 'object' || item === null) return true;
    if (Array.isArray(item) && isNumberArray(item)) {
      found.holders.push(container);
      found.keys.push(key);
      found.arrays.push(item as number[]);
      found.total += item.length;
      return true;
    }
    return (Array.isArray(item) || isPlainObject(item)) && collect(item as Record<string, unknown> | unknown[], found);
  };
  if (Array.isArray(container)) {
    for (let i = 0; i < container.length; i++) if (!visit(container[i], i)) return false;
    return true;
  }
  // A plain object inherits no enumerable keys: `for in` visits its own, without making a list of them.
  for (const key in container) if (!visit(container[key], key)) return false;
  return true;
}

/** One empty array written for every packed one. */
const placeholder: never[] = [];

/**
 * The value (an object, as every message is) as one binary message, or null when it is better sent as JSON text
 * (see `leastPackedNumbers`). Its number arrays are swapped for a placeholder while JSON.stringify writes the rest,
 * and put back before this returns: copying the value without them, 5,000 shapes, cost more in garbage collection
 * than writing their numbers as text.
 */
export function packNumbers(value: unknown): Uint8Array | null {
  if (typeof value !== 'object' || value === null || !(Array.isArray(value) || isPlainObject(value))) return null;
  const found: Found = { holders: [], keys: [], arrays: [], total: 0 };
  if (!collect(value as Record<string, unknown> | unknown[], found) || found.total < leastPackedNumbers) return null;
  const { holders, keys, arrays, total } = found;
  let swapped = 0;
  let text: string;
  try {
    for (; swapped < arrays.length; swapped++) setAt(holders[swapped], keys[swapped], placeholder);
    text = JSON.stringify(value);
  } catch {
    // A frozen container, or what JSON cannot write (a cycle, a BigInt): left to JSON text, as before.
    return null;
  } finally {
    for (let i = 0; i < swapped; i++) setAt(holders[i], keys[i], arrays[i]);
  }
  const head = new TextEncoder().encode(text);
  const lengthsAt = align(8 + head.length, 4);
  const numbersAt = align(lengthsAt + arrays.length * 4, 8);
  const bytes = new Uint8Array(numbersAt + total * 8);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, head.length, true);
  view.setUint32(4, arrays.length, true);
  bytes.set(head, 8);
  const lengths = new Uint32Array(bytes.buffer, lengthsAt, arrays.length);
  const numbers = new Float64Array(bytes.buffer, numbersAt, total);
  let filled = 0;
  arrays.forEach((array, i) => {
    lengths[i] = array.length;
    numbers.set(array, filled);
    filled += array.length;
  });
  return bytes;
}

function setAt(holder: Record<string, unknown> | unknown[] | undefined, key: string | number | undefined, value: unknown): void {
  if (holder === undefined || key === undefined) return;
  if (Array.isArray(holder)) holder[key as number] = value;
  else setOwn(holder, String(key), value);
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
