import { describe, expect, it } from 'vitest';
import type { Shape } from '../../../shared/annotations';
import { PathText, sameShapesExcept } from './painting';

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
    const text = new PathText();
    text.add({ type: 'rectangle', points: [10, 20, 30.5, 40] });
    text.add({ type: 'polygon', points: [0, 0, 5, 0, 5, 5] });
    text.add({ type: 'polyline', points: [1, 1, 2, -2.25] });
    text.add({ type: 'point', points: [7, 7] });
    expect(text.text()).toBe('M 10 20 H 30.5 V 40 H 10 Z M 0 0 L 5 0 5 5 Z M 1 1 L 2 -2.25');
  });
});
