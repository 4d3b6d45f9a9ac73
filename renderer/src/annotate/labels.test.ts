import { describe, expect, it } from 'vitest';
import type { Label, Shape } from '../../../shared/annotations';
import { attributeKey, freeHotkey, labelPalette, nextColor, shapeGeometry, shapesInUse, shapeTitle, textOnLabel } from './labels';

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

  it('writes a tag in near-black or white, whichever reads at 4.5:1 or better on its label colour', () => {
    const luminance = (color: string) => {
      const [r = 0, g = 0, b = 0] = [1, 3, 5].map((at) => {
        const channel = parseInt(color.slice(at, at + 2), 16) / 255;
        return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const contrast = (a: string, b: string) => {
      const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
      return (high + 0.05) / (low + 0.05);
    };
    for (const color of labelPalette) expect(contrast(textOnLabel(color), color), color).toBeGreaterThanOrEqual(4.5);
    expect(textOnLabel('#800000')).toBe('#ffffff');
    expect(textOnLabel('#ffe119')).toBe('#111111');
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
