import { describe, expect, it } from 'vitest';
import { PackedShapes } from './shape-pack';

describe('shapes packed between reading and writing an import', () => {
  it('gives back every shape as it was, with its label, note, attributes, flags and stacking', () => {
    const car = { name: 'car' };
    const shapes = [
      { type: 'rectangle' as const, points: [264.35383991541056, 32.01164456643706, 280.793704972972, 50.73783811681803], label: car, zIndex: 0 },
      { type: 'polygon' as const, points: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], label: null, normalised: true, note: 'Fußgänger, 自転車', attributes: { occluded: true, count: 3, kind: 'bus' } },
      { type: 'point' as const, points: [-1.5e3, 7], label: car, hidden: true, locked: true, zIndex: 2.5 },
    ];
    const packed = new PackedShapes(shapes);
    expect(packed.length).toBe(3);
    const unpacked = packed.unpack();
    expect(unpacked).toEqual([
      { ...shapes[0], note: '', attributes: {}, hidden: false, locked: false },
      { ...shapes[1], hidden: false, locked: false },
      { ...shapes[2], note: '', attributes: {} },
    ]);
    expect(unpacked[0]?.label).toBe(car);
    expect('zIndex' in (unpacked[1] ?? {})).toBe(false);
    // Taken once: the pack lets go of them.
    expect(packed.length).toBe(0);
    expect(packed.unpack()).toEqual([]);
  });

  it('takes shapes one at a time past its first room, and lets one attribute of one shape go', () => {
    const packed = new PackedShapes<string>();
    const shapes = Array.from({ length: 40 }, (_, i) => ({
      type: 'polygon' as const,
      points: [i, i + 0.5, i + 1, i + 2, i + 3, i + 4.25],
      label: i % 2 === 0 ? 'car' : 'bus',
      ...(i % 10 === 0 ? { attributes: { object: i, occluded: i === 20 } } : {}),
    }));
    for (const shape of shapes) packed.push(shape);
    packed.dropAttribute(10, 'object');
    packed.dropAttribute(20, 'object');
    packed.dropAttribute(3, 'object');
    packed.trim();
    expect([...packed.attributeRecords()]).toEqual([
      { label: 'car', attributes: { object: 0, occluded: false } },
      { label: 'car', attributes: { occluded: false } },
      { label: 'car', attributes: { occluded: true } },
      { label: 'car', attributes: { object: 30, occluded: false } },
    ]);
    expect(packed.unpack()).toEqual(
      shapes.map((shape, i) => ({
        ...shape,
        note: '',
        attributes: i === 10 ? { occluded: false } : i === 20 ? { occluded: true } : (shape.attributes ?? {}),
        hidden: false,
        locked: false,
      })),
    );
  });
});
