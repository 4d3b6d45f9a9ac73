import type { ShapeType } from '../annotations';

export interface Bounds {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

export function bounds(points: readonly number[]): Bounds {
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (let i = 0; i + 1 < points.length; i += 2) {
    const x = points[i] ?? 0;
    const y = points[i + 1] ?? 0;
    minX = Math.min(minX, x);
    minY = Math.min(minY, y);
    maxX = Math.max(maxX, x);
    maxY = Math.max(maxY, y);
  }
  return points.length < 2 ? { minX: 0, minY: 0, maxX: 0, maxY: 0 } : { minX, minY, maxX, maxY };
}

/** Shoelace formula: the area a closed polygon encloses, whichever way it winds. */
export function polygonArea(points: readonly number[]): number {
  let twice = 0;
  const count = Math.floor(points.length / 2);
  for (let i = 0; i < count; i++) {
    const j = (i + 1) % count;
    twice += (points[2 * i] ?? 0) * (points[2 * j + 1] ?? 0) - (points[2 * j] ?? 0) * (points[2 * i + 1] ?? 0);
  }
  return Math.abs(twice) / 2;
}

/** A rectangle's four corners, clockwise from the top left: how boxes travel in formats that only know polygons. */
export function rectangleCorners(points: readonly number[]): number[] {
  const { minX, minY, maxX, maxY } = bounds(points);
  return [minX, minY, maxX, minY, maxX, maxY, minX, maxY];
}

/**
 * Formats without a box type give rectangles back as 4-corner polygons; one whose corners are exactly its own
 * bounding box's is taken as the rectangle it came from.
 */
export function shapeFromPolygon(points: readonly number[]): { type: ShapeType; points: number[] } {
  if (points.length === 8) {
    const { minX, minY, maxX, maxY } = bounds(points);
    const corners = new Set<string>();
    for (let i = 0; i < 8; i += 2) corners.add(`${points[i]},${points[i + 1]}`);
    const expected = [`${minX},${minY}`, `${maxX},${minY}`, `${maxX},${maxY}`, `${minX},${maxY}`];
    if (minX < maxX && minY < maxY && expected.every((corner) => corners.has(corner))) {
      return { type: 'rectangle', points: [minX, minY, maxX, maxY] };
    }
  }
  return { type: 'polygon', points: [...points] };
}

/** Two decimals: a hundredth of a pixel is far below what any annotation means, and keeps big files small. */
export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
