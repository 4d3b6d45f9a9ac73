import type { Shape, ShapeType } from '../../../shared/annotations';
import {
  boundsOf,
  boundsOfShapes,
  clampOffset,
  clampPoints,
  hasDistinctPoints,
  normaliseRectangle,
  offsetShapes,
  type ImageSize,
} from '../../../shared/geometry';
import type { Point } from './viewport';

// The canvas's geometry with the rules the host shares (shared/geometry.ts), so the canvas imports it from one place.
export { boundsOf, boundsOfShapes, clampOffset, type Bounds } from '../../../shared/geometry';

/** Several shapes moved together keep their places relative to each other, even against the image's edge. */
export function translateShapes<S extends { points: number[] }>(shapes: readonly S[], dx: number, dy: number, size: ImageSize): S[] {
  return offsetShapes(shapes, clampOffset(boundsOfShapes(shapes), dx, dy, size));
}

export const rectHandles = ['nw', 'n', 'ne', 'e', 'se', 's', 'sw', 'w'] as const;
export type RectHandle = (typeof rectHandles)[number];

export function rectHandlePoint(points: readonly number[], handle: RectHandle): Point {
  const [x1 = 0, y1 = 0, x2 = 0, y2 = 0] = points;
  const mx = (x1 + x2) / 2;
  const my = (y1 + y2) / 2;
  const x = handle.includes('w') ? x1 : handle.includes('e') ? x2 : mx;
  const y = handle.startsWith('n') ? y1 : handle.startsWith('s') ? y2 : my;
  return { x, y };
}

/** The handle within `tolerance` of `p`; corners first, as they sit where two edges' handles would overlap. */
export function rectHandleAt(points: readonly number[], p: Point, tolerance: number): RectHandle | null {
  const order: readonly RectHandle[] = ['nw', 'ne', 'se', 'sw', 'n', 'e', 's', 'w'];
  return order.find((handle) => distance(rectHandlePoint(points, handle), p) <= tolerance) ?? null;
}

/** The rectangle with the grabbed corner or edge at `to`; dragging past the opposite side flips it. */
export function resizeRectangle(points: readonly number[], handle: RectHandle, to: Point, size: ImageSize): number[] {
  let [x1 = 0, y1 = 0, x2 = 0, y2 = 0] = points;
  const [tx = 0, ty = 0] = clampPoints([to.x, to.y], size);
  if (handle.includes('w')) x1 = tx;
  if (handle.includes('e')) x2 = tx;
  if (handle.startsWith('n')) y1 = ty;
  if (handle.startsWith('s')) y2 = ty;
  return normaliseRectangle([x1, y1, x2, y2]);
}

export function moveVertex(points: readonly number[], index: number, to: Point, size: ImageSize): number[] {
  const next = [...points];
  const [x = 0, y = 0] = clampPoints([to.x, to.y], size);
  next[index * 2] = x;
  next[index * 2 + 1] = y;
  return next;
}

/** Null when the shape cannot lose that vertex (rectangles and points have none to lose). */
export function removeVertex(type: ShapeType, points: readonly number[], index: number): number[] | null {
  if (type !== 'polygon' && type !== 'polyline') return null;
  const next = [...points.slice(0, index * 2), ...points.slice(index * 2 + 2)];
  // Below these counts it would be no shape at all: geometryProblem would refuse it.
  return hasDistinctPoints(next, type === 'polygon' ? 3 : 2) ? next : null;
}

/** Adds a vertex after `afterIndex`, on the edge that starts there. */
export function insertVertex(points: readonly number[], afterIndex: number, at: Point): number[] {
  const cut = (afterIndex + 1) * 2;
  return [...points.slice(0, cut), at.x, at.y, ...points.slice(cut)];
}

function vertex(points: readonly number[], index: number): Point {
  return { x: points[index * 2] ?? 0, y: points[index * 2 + 1] ?? 0 };
}

const distance = (a: Point, b: Point) => Math.hypot(a.x - b.x, a.y - b.y);

function closestOnSegment(p: Point, a: Point, b: Point): Point {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const length2 = dx * dx + dy * dy;
  const t = length2 === 0 ? 0 : Math.min(1, Math.max(0, ((p.x - a.x) * dx + (p.y - a.y) * dy) / length2));
  return { x: a.x + t * dx, y: a.y + t * dy };
}

/** The index of the vertex within `tolerance` of `p`, nearest first; -1 when none is. */
export function vertexAt(points: readonly number[], p: Point, tolerance: number): number {
  let best = -1;
  let bestDistance = tolerance;
  for (let i = 0; i * 2 + 1 < points.length; i++) {
    const d = distance(vertex(points, i), p);
    if (d <= bestDistance) {
      best = i;
      bestDistance = d;
    }
  }
  return best;
}

/** The edge nearest `p` within `tolerance`, by the index of its first vertex, and the point on it nearest `p`. */
export function edgeAt(points: readonly number[], closed: boolean, p: Point, tolerance: number): { afterIndex: number; at: Point } | null {
  const count = points.length / 2;
  const edges = closed ? count : count - 1;
  let found: { afterIndex: number; at: Point } | null = null;
  let bestDistance = tolerance;
  for (let i = 0; i < edges; i++) {
    const at = closestOnSegment(p, vertex(points, i), vertex(points, (i + 1) % count));
    const d = distance(at, p);
    if (d <= bestDistance) {
      found = { afterIndex: i, at };
      bestDistance = d;
    }
  }
  return found;
}

function insidePolygon(points: readonly number[], p: Point): boolean {
  let inside = false;
  const count = points.length / 2;
  for (let i = 0, j = count - 1; i < count; j = i++) {
    const a = vertex(points, i);
    const b = vertex(points, j);
    if (a.y > p.y !== b.y > p.y && p.x < ((b.x - a.x) * (p.y - a.y)) / (b.y - a.y) + a.x) inside = !inside;
  }
  return inside;
}

/** Whether `p` (image pixels) is on the shape: inside an area, or within `tolerance` of a line or point. */
export function shapeContains(shape: Pick<Shape, 'type' | 'points'>, p: Point, tolerance: number): boolean {
  const { points } = shape;
  switch (shape.type) {
    case 'rectangle': {
      const [x1 = 0, y1 = 0, x2 = 0, y2 = 0] = points;
      return p.x >= x1 - tolerance && p.x <= x2 + tolerance && p.y >= y1 - tolerance && p.y <= y2 + tolerance;
    }
    case 'polygon':
      return insidePolygon(points, p) || edgeAt(points, true, p, tolerance) !== null;
    case 'polyline':
      return edgeAt(points, false, p, tolerance) !== null;
    case 'point':
      return distance(vertex(points, 0), p) <= tolerance;
  }
}

/**
 * The visible shape at `p`. Small things win over the large ones they sit on: a point or line beats an area, and
 * the smallest box around the point beats bigger ones, so a box drawn inside another can still be picked; among
 * equals the topmost wins.
 */
export function shapeAt(shapes: readonly Shape[], p: Point, tolerance: number): Shape | null {
  let area: Shape | null = null;
  let areaSize = Infinity;
  for (let i = shapes.length - 1; i >= 0; i--) {
    const shape = shapes[i];
    if (!shape || shape.hidden) continue;
    const b = boundsOf(shape.points);
    if (p.x < b.minX - tolerance || p.x > b.maxX + tolerance || p.y < b.minY - tolerance || p.y > b.maxY + tolerance) continue;
    if (!shapeContains(shape, p, tolerance)) continue;
    if (shape.type === 'point' || shape.type === 'polyline') return shape;
    const size = (b.maxX - b.minX) * (b.maxY - b.minY);
    if (size < areaSize) {
      area = shape;
      areaSize = size;
    }
  }
  return area;
}

/**
 * How far every shape of `after` lies from the same shape in `before`, when all moved by one offset and nothing else
 * about them changed (a move of the selection, its undo or redo); null otherwise. The selection's traced paths and
 * bitmap then serve again, shifted, instead of tracing and painting thousands of shapes anew.
 */
export function commonShift(before: readonly Shape[], after: readonly Shape[]): Point | null {
  const first = before[0];
  const moved = after[0];
  if (before.length !== after.length || !first || !moved) return null;
  const dx = (moved.points[0] ?? 0) - (first.points[0] ?? 0);
  const dy = (moved.points[1] ?? 0) - (first.points[1] ?? 0);
  // Positions go through floating point: a move and its undo may differ from the original by a rounding error.
  const near = (a: number, b: number) => Math.abs(a - b) < 1e-6;
  for (let i = 0; i < before.length; i++) {
    const a = before[i];
    const b = after[i];
    if (!a || !b || a.id !== b.id || a.type !== b.type || a.labelId !== b.labelId || a.hidden !== b.hidden || a.points.length !== b.points.length) return null;
    for (let k = 0; k + 1 < a.points.length; k += 2) {
      if (!near((b.points[k] ?? 0) - (a.points[k] ?? 0), dx) || !near((b.points[k + 1] ?? 0) - (a.points[k + 1] ?? 0), dy)) return null;
    }
  }
  return { x: dx, y: dy };
}
