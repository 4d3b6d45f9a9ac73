import type { ShapeType } from './annotations';
import { StillframeError } from './errors';

/** A frame image's size in its own pixels: shape coordinates run from 0 to width and 0 to height. */
export interface ImageSize {
  width: number;
  height: number;
}

const clamp = (value: number, max: number) => Math.min(Math.max(value, 0), max);

/** Every x into [0, width] and every y into [0, height]. */
export function clampPoints(points: readonly number[], size: ImageSize): number[] {
  return points.map((value, i) => clamp(value, i % 2 === 0 ? size.width : size.height));
}

/** Any two opposite corners as top-left then bottom-right, so x1 ≤ x2 and y1 ≤ y2. */
export function normaliseRectangle(points: readonly number[]): number[] {
  const [ax = 0, ay = 0, bx = 0, by = 0] = points;
  return [Math.min(ax, bx), Math.min(ay, by), Math.max(ax, bx), Math.max(ay, by)];
}

/**
 * Whether the points hold at least `least` different ones. It stops at the first `least` found, and compares
 * numbers, not text: a move of 5,000 polygons checks every one, and keying all 100,000 points took 45 ms of the
 * frame the move ends on.
 */
export function hasDistinctPoints(points: readonly number[], least: number): boolean {
  const found: number[] = [];
  for (let i = 0; i + 1 < points.length && found.length < least * 2; i += 2) {
    const x = points[i];
    const y = points[i + 1];
    let seen = false;
    for (let k = 0; k < found.length && !seen; k += 2) seen = found[k] === x && found[k + 1] === y;
    if (!seen && x !== undefined && y !== undefined) found.push(x, y);
  }
  return found.length >= least * 2;
}

const notFinite = 'Shape points must be finite numbers.';

/** Why these points cannot be a shape of this type, in words for the person drawing it; null when they can. */
export function geometryProblem(type: ShapeType, points: readonly number[]): string | null {
  if (points.length % 2 !== 0) return 'Shape points must come in x, y pairs.';
  if (!points.every(Number.isFinite)) return notFinite;
  const count = points.length / 2;
  switch (type) {
    case 'rectangle': {
      if (count !== 2) return 'A rectangle needs exactly 2 corner points.';
      const [x1 = 0, y1 = 0, x2 = 0, y2 = 0] = points;
      return x1 === x2 || y1 === y2 ? 'A rectangle needs a width and a height inside the frame.' : null;
    }
    case 'polygon':
      return !hasDistinctPoints(points, 3) ? 'A polygon needs at least 3 different points inside the frame.' : null;
    case 'polyline':
      return !hasDistinctPoints(points, 2) ? 'A line needs at least 2 different points inside the frame.' : null;
    case 'point':
      return count === 1 ? null : `A point shape needs exactly 1 point, not ${count}.`;
  }
}

/** Clamped to the image and, for a rectangle, normalised; unchecked, so a caller can tell what clamping cost. */
export function fitGeometry(type: ShapeType, points: readonly number[], size: ImageSize): number[] {
  const clamped = clampPoints(points, size);
  return type === 'rectangle' && clamped.length === 4 ? normaliseRectangle(clamped) : clamped;
}

/**
 * The geometry as stored: clamped to the image, rectangles normalised. Degeneracy is judged after clamping, so a
 * box dragged wholly off the image is refused rather than saved as a sliver on its edge.
 */
export function prepareGeometry(type: ShapeType, points: readonly number[], size: ImageSize): number[] {
  // Clamping would turn an infinite coordinate into a plausible edge, so refuse it first.
  if (!points.every(Number.isFinite)) throw new StillframeError('invalid-input', notFinite);
  const prepared = fitGeometry(type, points, size);
  const problem = geometryProblem(type, prepared);
  if (problem !== null) throw new StillframeError('invalid-input', problem);
  return prepared;
}

export interface Bounds {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

/** A move in image pixels. */
export interface Offset {
  x: number;
  y: number;
}

export function boundsOf(points: readonly number[]): Bounds {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let i = 0; i + 1 < points.length; i += 2) {
    const x = points[i] ?? 0;
    const y = points[i + 1] ?? 0;
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  return { minX, minY, maxX, maxY };
}

/** The bounds of several shapes together, without copying their points into one list. */
export function boundsOfShapes(shapes: readonly { points: readonly number[] }[]): Bounds {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const shape of shapes) {
    const b = boundsOf(shape.points);
    minX = Math.min(minX, b.minX);
    minY = Math.min(minY, b.minY);
    maxX = Math.max(maxX, b.maxX);
    maxY = Math.max(maxY, b.maxY);
  }
  return { minX, minY, maxX, maxY };
}

/**
 * The move of (`dx`, `dy`), shortened so shapes with these bounds (all of them together) stay whole inside the
 * image: a box pushed against the edge stops there instead of being squashed by clamping each corner. The canvas
 * and the host's `shapes.move` both shorten a move by this one rule.
 */
export function clampOffset(b: Bounds, dx: number, dy: number, size: ImageSize): Offset {
  return {
    x: Math.min(Math.max(dx, -b.minX), size.width - b.maxX),
    y: Math.min(Math.max(dy, -b.minY), size.height - b.maxY),
  };
}

/** The points moved by an offset, in a loop over the pairs: a move of 5,000 polygons runs it on 200,000 numbers. */
export function offsetPoints(points: readonly number[], offset: Offset): number[] {
  const moved = points.slice();
  for (let i = 0; i + 1 < moved.length; i += 2) {
    moved[i] = (moved[i] ?? 0) + offset.x;
    moved[i + 1] = (moved[i + 1] ?? 0) + offset.y;
  }
  return moved;
}

/** The shapes moved by an offset already clamped (a drag clamps each pointer move; it moves the shapes once, at the end). */
export function offsetShapes<S extends { points: number[] }>(shapes: readonly S[], offset: Offset): S[] {
  return shapes.map((shape) => ({ ...shape, points: offsetPoints(shape.points, offset) }));
}
