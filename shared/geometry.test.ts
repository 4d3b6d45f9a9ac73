import { describe, expect, it } from 'vitest';
import { clampPoints, fitGeometry, hasDistinctPoints, geometryProblem, normaliseRectangle, prepareGeometry } from './geometry';

const frame = { width: 640, height: 480 };

describe('shape geometry', () => {
  it('clamps x to the width and y to the height', () => {
    expect(clampPoints([-5, -1, 700, 500, 320.5, 240.25], frame)).toEqual([0, 0, 640, 480, 320.5, 240.25]);
  });

  it('normalises a rectangle drawn from any corner to top-left then bottom-right', () => {
    expect(normaliseRectangle([300, 200, 100, 50])).toEqual([100, 50, 300, 200]);
    expect(normaliseRectangle([100, 200, 300, 50])).toEqual([100, 50, 300, 200]);
    expect(prepareGeometry('rectangle', [700, 500, 600, -20], frame)).toEqual([600, 0, 640, 480]);
  });

  it('counts distinct points, so a polygon of repeated clicks is seen for what it is', () => {
    expect(hasDistinctPoints([1, 1, 1, 1, 2, 2], 2)).toBe(true);
    expect(hasDistinctPoints([1, 1, 1, 1, 2, 2, 1, 1, 2, 2], 3)).toBe(false);
    expect(hasDistinctPoints([1, 1, 1, 1, 2, 2, 1, 1, 2, 3], 3)).toBe(true);
  });

  it('accepts each type with the points it needs', () => {
    expect(prepareGeometry('rectangle', [10, 10, 20, 30], frame)).toEqual([10, 10, 20, 30]);
    expect(prepareGeometry('polygon', [0, 0, 10, 0, 10, 10], frame)).toEqual([0, 0, 10, 0, 10, 10]);
    expect(prepareGeometry('polyline', [0, 0, 10.5, 3.25], frame)).toEqual([0, 0, 10.5, 3.25]);
    expect(prepareGeometry('point', [5, 6], frame)).toEqual([5, 6]);
  });

  it('refuses degenerate shapes with a message a person understands', () => {
    expect(() => prepareGeometry('rectangle', [10, 10, 10, 40], frame)).toThrow('A rectangle needs a width and a height inside the frame.');
    expect(() => prepareGeometry('rectangle', [10, 10, 20, 30, 40, 40], frame)).toThrow('A rectangle needs exactly 2 corner points.');
    expect(() => prepareGeometry('polygon', [0, 0, 10, 10, 0, 0, 10, 10], frame)).toThrow('A polygon needs at least 3 different points');
    expect(() => prepareGeometry('polyline', [4, 4, 4, 4], frame)).toThrow('A line needs at least 2 different points');
    expect(() => prepareGeometry('point', [1, 2, 3, 4], frame)).toThrow('A point shape needs exactly 1 point, not 2.');
    expect(() => prepareGeometry('point', [], frame)).toThrow('A point shape needs exactly 1 point, not 0.');
    expect(() => prepareGeometry('polyline', [1, 2, 3], frame)).toThrow('Shape points must come in x, y pairs.');
    expect(() => prepareGeometry('point', [Infinity, 2], frame)).toThrow('Shape points must be finite numbers.');
    expect(() => prepareGeometry('point', [Number.NaN, 2], frame)).toThrow('Shape points must be finite numbers.');
  });

  it('judges degeneracy after clamping: a box wholly off the image is refused, not saved as a sliver', () => {
    expect(() => prepareGeometry('rectangle', [700, 10, 800, 50], frame)).toThrow('A rectangle needs a width and a height inside the frame.');
    expect(() => prepareGeometry('polygon', [700, 0, 800, 0, 900, 0], frame)).toThrow('A polygon needs at least 3 different points');
    expect(prepareGeometry('point', [900, 900], frame)).toEqual([640, 480]);
  });

  it('fits without judging, so a paste can skip what clamping destroyed instead of failing', () => {
    const fitted = fitGeometry('rectangle', [800, 10, 700, 50], frame);
    expect(fitted).toEqual([640, 10, 640, 50]);
    expect(geometryProblem('rectangle', fitted)).not.toBeNull();
    expect(geometryProblem('rectangle', [800, 10, 700, 50])).toBeNull();
  });
});
