import { describe, expect, it } from 'vitest';
import type { Label, Shape } from '../../../shared/annotations';
import { attributeKey, freeHotkey, labelPalette, nextColor, shapeGeometry, shapesInUse, shapeTitle } from './labels';

function label(name: string, hotkey: number | null, color: string): Label {
  return { id: name, projectId: 'p', name, color, hotkey, attributes: [], createdAt: 0, updatedAt: 0 };
}

function shape(type: Shape['type'], points: number[], more: Partial<Shape> = {}): Shape {
  return { id: 's', frameId: 'f', type, points, labelId: null, note: '', attributes: {}, hidden: false, locked: false, zIndex: 0, createdAt: 0, updatedAt: 0, ...more };
}

describe('label helpers', () => {
  it('offers a colour and a hotkey no label has yet', () => {
    const labels = [label('Car', 1, labelPalette[0]), label('Bus', 3, labelPalette[1])];
    expect(nextColor(labels)).toBe(labelPalette[2]);
    expect(freeHotkey(labels)).toBe(2);
    expect(freeHotkey([1, 2, 3, 4, 5, 6, 7, 8, 9].map((key) => label(`L${key}`, key, '#000000')))).toBeNull();
  });

  it('makes attribute keys from names, unique and starting with a letter', () => {
    expect(attributeKey('Licence plate', new Set())).toBe('Licence_plate');
    expect(attributeKey('2nd colour', new Set())).toBe('nd_colour');
    expect(attributeKey('Occluded', new Set(['Occluded']))).toBe('Occluded_2');
    expect(attributeKey('!!!', new Set())).toBe('attribute');
  });

  it('reads how many shapes use a label from the host’s refusal', () => {
    expect(shapesInUse('3 shapes use “Sign”. Move them to another label or delete them with the label.')).toBe(3);
    expect(shapesInUse('1 shape uses “Sign”. Move it to another label or delete it with the label.')).toBe(1);
    expect(shapesInUse('1,204 shapes use “Car”. Move them to another label or delete them with the label.')).toBe(1204);
    expect(shapesInUse('That label no longer exists.')).toBeNull();
  });

  it('names shapes for the list and states their geometry in image pixels', () => {
    expect(shapeTitle(shape('polygon', [0, 0, 1, 1, 2, 0], { hidden: true, locked: true }), 2, label('Car', 1, '#000000'))).toBe(
      '2. Car polygon (hidden, locked)',
    );
    expect(shapeTitle(shape('point', [1, 1]), 1, undefined)).toBe('1. No label point');
    expect(shapeGeometry(shape('rectangle', [10.4, 20, 110.6, 70]))).toBe('Box at x 10, y 20, 101 × 50 px');
    expect(shapeGeometry(shape('polyline', [1, 2, 3, 4, 5, 6]))).toBe('3 points, the first at x 1, y 2');
  });
});
