import { describe, expect, it } from 'vitest';
import type { Shape } from '../../../shared/annotations';
import {
  commonShift,
  edgeAt,
  insertVertex,
  moveVertex,
  rectHandleAt,
  removeVertex,
  resizeRectangle,
  shapeAt,
  shapeContains,
  translateShapes,
  vertexAt,
} from './shape-geometry';

const size = { width: 200, height: 100 };

function shape(id: string, type: Shape['type'], points: number[], hidden = false): Shape {
  return { id, frameId: 'f', type, points, labelId: null, note: '', attributes: {}, hidden, locked: false, zIndex: 0, createdAt: 0, updatedAt: 0 };
}

describe('shape geometry', () => {
  it('tells a move of the whole selection from any other change', () => {
    const before = [shape('a', 'rectangle', [10, 10, 40, 30]), shape('b', 'polygon', [50, 50, 60, 50, 55, 60])];
    const moved = translateShapes(before, 7, -3, size);
    expect(commonShift(before, moved)).toEqual({ x: 7, y: -3 });
    expect(commonShift(moved, before)).toEqual({ x: -7, y: 3 });
    const oneVertex = [moved[0], { ...moved[1], points: [57, 47, 67, 47, 63, 57] }] as Shape[];
    expect(commonShift(before, oneVertex)).toBeNull();
    expect(commonShift(before, [moved[0], { ...moved[1], labelId: 'other' }] as Shape[])).toBeNull();
    expect(commonShift(before, moved.slice(0, 1))).toBeNull();
  });

  it('moves shapes together and stops them whole at the edge of the image', () => {
    const moved = translateShapes([shape('a', 'rectangle', [150, 10, 190, 30]), shape('b', 'point', [100, 50])], 30, -20, size);
    expect(moved.map((s) => s.points)).toEqual([
      [160, 0, 200, 20],
      [110, 40],
    ]);
  });

  it('resizes a rectangle by a corner or an edge, flips it past the other side, and clamps it', () => {
    expect(resizeRectangle([10, 10, 50, 50], 'se', { x: 80, y: 70 }, size)).toEqual([10, 10, 80, 70]);
    expect(resizeRectangle([10, 10, 50, 50], 'n', { x: 999, y: 30 }, size)).toEqual([10, 30, 50, 50]);
    expect(resizeRectangle([10, 10, 50, 50], 'w', { x: 70, y: 0 }, size)).toEqual([50, 10, 70, 50]);
    expect(resizeRectangle([10, 10, 50, 50], 'nw', { x: -30, y: -30 }, size)).toEqual([0, 0, 50, 50]);
  });

  it('finds the handle under the pointer, corners first', () => {
    expect(rectHandleAt([10, 10, 50, 50], { x: 51, y: 49 }, 4)).toBe('se');
    expect(rectHandleAt([10, 10, 50, 50], { x: 30, y: 11 }, 4)).toBe('n');
    expect(rectHandleAt([10, 10, 50, 50], { x: 30, y: 30 }, 4)).toBeNull();
  });

  it('moves, adds and removes vertices, keeping a polygon at three points', () => {
    const triangle = [0, 0, 100, 0, 50, 80];
    expect(moveVertex(triangle, 2, { x: 60, y: 150 }, size)).toEqual([0, 0, 100, 0, 60, 100]);
    expect(insertVertex(triangle, 0, { x: 50, y: 0 })).toEqual([0, 0, 50, 0, 100, 0, 50, 80]);
    expect(removeVertex('polygon', triangle, 1)).toBeNull();
    expect(removeVertex('polygon', [0, 0, 50, 0, 100, 0, 50, 80], 1)).toEqual(triangle);
    expect(removeVertex('polyline', [0, 0, 10, 10, 20, 0], 2)).toEqual([0, 0, 10, 10]);
    expect(removeVertex('rectangle', [0, 0, 10, 10], 0)).toBeNull();
  });

  it('finds vertices and edges near the pointer, the closing edge only on polygons', () => {
    const square = [0, 0, 100, 0, 100, 100, 0, 100];
    expect(vertexAt(square, { x: 98, y: 3 }, 5)).toBe(1);
    expect(vertexAt(square, { x: 50, y: 50 }, 5)).toBe(-1);
    expect(edgeAt(square, true, { x: 2, y: 50 }, 5)).toEqual({ afterIndex: 3, at: { x: 0, y: 50 } });
    expect(edgeAt(square, false, { x: 2, y: 50 }, 5)).toBeNull();
  });

  it('tells what the pointer is on: inside areas, near lines and points', () => {
    const polygon = shape('p', 'polygon', [0, 0, 100, 0, 50, 80]);
    expect(shapeContains(polygon, { x: 50, y: 30 }, 2)).toBe(true);
    expect(shapeContains(polygon, { x: 90, y: 70 }, 2)).toBe(false);
    expect(shapeContains(shape('l', 'polyline', [0, 0, 100, 0]), { x: 50, y: 3 }, 4)).toBe(true);
    expect(shapeContains(shape('l', 'polyline', [0, 0, 100, 0]), { x: 50, y: 30 }, 4)).toBe(false);
  });

  it('picks the smallest area under the pointer, points and lines over areas, and never a hidden shape', () => {
    const big = shape('big', 'rectangle', [0, 0, 200, 100]);
    const small = shape('small', 'rectangle', [40, 40, 60, 60]);
    const point = shape('point', 'point', [50, 50]);
    expect(shapeAt([small, big], { x: 50, y: 45 }, 2)?.id).toBe('small');
    expect(shapeAt([small, big, point], { x: 51, y: 50 }, 3)?.id).toBe('point');
    expect(shapeAt([big, shape('hidden', 'point', [10, 10], true)], { x: 10, y: 10 }, 3)?.id).toBe('big');
    expect(shapeAt([small], { x: 150, y: 90 }, 3)).toBeNull();
  });
});
