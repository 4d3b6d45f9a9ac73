import { describe, expect, it } from 'vitest';
import type { Shape } from '../../../shared/annotations';
import { sameShapesExcept, trace, type PathSink } from './painting';

const shape = (id: string): Shape => ({ id, frameId: 'f', type: 'point', points: [1, 1], labelId: null, note: '', attributes: {}, hidden: false, locked: false, zIndex: 0, createdAt: 0, updatedAt: 0 });

describe('the shapes layer', () => {
  const [a, b, c] = [shape('a'), shape('b'), shape('c')];
  it('stays as drawn when only selected shapes changed, or came or went', () => {
    expect(sameShapesExcept([a, b, c], [a, { ...b }, c], new Set(['b']))).toBe(true);
    expect(sameShapesExcept([a, c], [a, b, c], new Set(['b']))).toBe(true);
    expect(sameShapesExcept([a, b, c], [a, c], new Set(['b']))).toBe(true);
  });

  it('is drawn again when any other shape changed, came or went', () => {
    expect(sameShapesExcept([a, b, c], [{ ...a }, b, c], new Set(['b']))).toBe(false);
    expect(sameShapesExcept([a, b], [a, b, c], new Set(['b']))).toBe(false);
    expect(sameShapesExcept([a, b, c], [b, c], new Set(['b']))).toBe(false);
  });
});

describe('the outlines', () => {
  it('trace boxes and polygons closed, lines open, and leave points to be drawn as dots', () => {
    const calls: string[] = [];
    const path: PathSink = {
      moveTo: (x, y) => calls.push(`M ${x} ${y}`),
      lineTo: (x, y) => calls.push(`L ${x} ${y}`),
      closePath: () => calls.push('Z'),
    };
    trace(path, { type: 'rectangle', points: [10, 20, 30.5, 40] });
    trace(path, { type: 'polygon', points: [0, 0, 5, 0, 5, 5] });
    trace(path, { type: 'polyline', points: [1, 1, 2, -2.25] });
    trace(path, { type: 'point', points: [7, 7] });
    expect(calls.join(' ')).toBe('M 10 20 L 30.5 20 L 30.5 40 L 10 40 Z M 0 0 L 5 0 L 5 5 Z M 1 1 L 2 -2.25');
  });
});
