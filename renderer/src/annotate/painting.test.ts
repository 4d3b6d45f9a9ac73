import { describe, expect, it } from 'vitest';
import type { Shape } from '../../../shared/annotations';
import { sameShapesExcept } from './painting';

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
