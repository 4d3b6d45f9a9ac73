import { describe, expect, it } from 'vitest';
import { leastPackedNumbers, packNumbers, unpackNumbers } from './packed-numbers';

/** The bytes as the page receives them: an ArrayBuffer of their own. */
const received = (bytes: Uint8Array): ArrayBuffer => bytes.slice().buffer;

/** Doubles that JSON would write with 15-17 digits, as points dragged at any zoom are. */
const doubles = (count: number, seed: number) => Array.from({ length: count }, (_, i) => (seed + i) * Math.PI * 1.000_000_1);

describe('numbers packed as binary', () => {
  it('give back the value as JSON would, every number exact, whatever arrays and keys it holds', () => {
    const value = {
      id: 7,
      result: {
        ok: true,
        value: [
          { id: 'a', points: doubles(leastPackedNumbers, 1), labelIds: [], attributes: { size: 3, kind: 'car', '10': true, __proto__x: 'no' }, note: '[]' },
          { id: 'b', points: [0, -2.5, 1e-300, Number.MAX_VALUE], tags: [['x', 1], [2, 3]], nested: [[], [[1]], [{ deep: [4, 5] }]], none: null },
        ],
      },
    };
    const before = structuredClone(value);
    const points = value.result.value[0]?.points;
    const bytes = packNumbers(value);
    expect(bytes).not.toBeNull();
    expect(unpackNumbers(received(bytes ?? new Uint8Array()))).toEqual(JSON.parse(JSON.stringify(value)));
    // The value is the caller's: it is left as it was, its arrays the same objects.
    expect(value).toEqual(before);
    expect(value.result.value[0]?.points).toBe(points);
  });

  it('keep a `__proto__` key as data, as JSON.parse does', () => {
    const value = JSON.parse(`{"points":${JSON.stringify(doubles(leastPackedNumbers, 2))},"__proto__":[1,2]}`) as Record<string, unknown>;
    const back = unpackNumbers(received(packNumbers(value) ?? new Uint8Array())) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.hasOwn(back, '__proto__') && back['__proto__']).toEqual([1, 2]);
  });

  it('leave a value with few numbers, or one JSON writes its own way, to JSON text', () => {
    expect(packNumbers({ points: doubles(leastPackedNumbers - 1, 3) })).toBeNull();
    expect(packNumbers({ points: doubles(leastPackedNumbers, 3), at: new Date(0) })).toBeNull();
    expect(packNumbers({ points: doubles(leastPackedNumbers, 3), at: { toJSON: () => 'now' } })).toBeNull();
    expect(packNumbers('text')).toBeNull();
    const frozen = Object.freeze({ points: doubles(leastPackedNumbers, 3) });
    expect(packNumbers(frozen)).toBeNull();
  });

  it('read nothing from bytes that are not such a message', () => {
    const bytes = packNumbers({ points: doubles(leastPackedNumbers, 4), more: [1, 2, 3] }) ?? new Uint8Array();
    const cut = (length: number) => received(bytes.subarray(0, length));
    expect(unpackNumbers(received(bytes))).toMatchObject({ more: [1, 2, 3] });
    for (const broken of [new ArrayBuffer(0), new ArrayBuffer(7), cut(bytes.length - 8), cut(bytes.length - 3), received(new Uint8Array([...bytes, ...new Uint8Array(8)]))]) {
      expect(unpackNumbers(broken)).toBeUndefined();
    }
    // A head that is not JSON, or that has more empty arrays than the message has packed ones.
    const garbled = bytes.slice();
    garbled[8] = 0x7b;
    garbled[9] = 0x7b;
    expect(unpackNumbers(garbled.buffer)).toBeUndefined();
    const head = new TextEncoder().encode('[[],[]]');
    const lying = new Uint8Array(16 + 8);
    new DataView(lying.buffer).setUint32(0, head.length, true);
    new DataView(lying.buffer).setUint32(4, 1, true);
    lying.set(head, 8);
    expect(unpackNumbers(lying.buffer)).toBeUndefined();
  });
});
