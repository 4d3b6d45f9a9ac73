import type { Shape } from '../../../shared/annotations';
import type { Box } from './bitmap-cache';
import type { PaintedTag } from './painting';
import { boundsOf, type Bounds } from './shape-geometry';

/** A tag as the shapes layer paints it, with its height, so its box can be compared and cleared. */
export interface TagBox extends PaintedTag {
  id: string;
  height: number;
}

/** What the shapes layer's bitmap shows: every shape not selected, and the tags of those shapes. */
export interface Drawn {
  shapes: readonly Shape[];
  selection: readonly string[];
  tags: readonly TagBox[];
}

/** Past this many changed boxes, their union is repainted instead: one clip, one pass over the shapes. */
const maxBoxes = 64;

const boundsCache = new WeakMap<Shape, Bounds>();

/** A shape's bounds, worked out once per shape object: shapes are replaced, never changed in place. */
export function shapeBounds(shape: Shape): Bounds {
  let bounds = boundsCache.get(shape);
  if (!bounds) {
    bounds = boundsOf(shape.points);
    boundsCache.set(shape, bounds);
  }
  return bounds;
}

function grown(b: Bounds, pad: number): Box {
  return { x: b.minX - pad, y: b.minY - pad, width: b.maxX - b.minX + pad * 2, height: b.maxY - b.minY + pad * 2 };
}

/** A tag's box, `pad` wider for the dashed outline an unlabelled tag has, half of it outside the box. */
const tagArea = (tag: TagBox, pad: number): Box => ({ x: tag.x - pad, y: tag.y - pad, width: tag.width + pad * 2, height: tag.height + pad * 2 });

function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

function union(boxes: readonly Box[]): Box {
  const x = Math.min(...boxes.map((b) => b.x));
  const y = Math.min(...boxes.map((b) => b.y));
  const right = Math.max(...boxes.map((b) => b.x + b.width));
  const bottom = Math.max(...boxes.map((b) => b.y + b.height));
  return { x, y, width: right - x, height: bottom - y };
}

const sameTag = (a: TagBox, b: TagBox) =>
  a.text === b.text && a.color === b.color && a.unlabelled === b.unlabelled && a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height;

/**
 * Where the bitmap of `before` differs from `after`, in image pixels: each shape that changed, came, went or was
 * selected or let go (where it was and where it is, `pad` wider for its stroke and mitred corners), and each tag
 * that moved, changed or came or went. Everything outside these boxes is painted the same in both.
 */
export function changedArea(before: Drawn, after: Drawn, pad: number): Box[] {
  const boxes: Box[] = [];
  const wasSelected = new Set(before.selection);
  const isSelected = new Set(after.selection);
  const old = new Map(before.shapes.map((shape) => [shape.id, shape]));
  for (const shape of after.shapes) {
    const previous = old.get(shape.id);
    old.delete(shape.id);
    const drawnBefore = previous !== undefined && !previous.hidden && !wasSelected.has(shape.id);
    const drawnAfter = !shape.hidden && !isSelected.has(shape.id);
    if (previous === shape && drawnBefore === drawnAfter) continue;
    if (previous && drawnBefore) boxes.push(grown(shapeBounds(previous), pad));
    if (drawnAfter) boxes.push(grown(shapeBounds(shape), pad));
  }
  for (const gone of old.values()) if (!gone.hidden && !wasSelected.has(gone.id)) boxes.push(grown(shapeBounds(gone), pad));
  const tags = new Map(before.tags.map((tag) => [tag.id, tag]));
  for (const tag of after.tags) {
    const previous = tags.get(tag.id);
    tags.delete(tag.id);
    if (previous && sameTag(previous, tag)) continue;
    if (previous) boxes.push(tagArea(previous, pad));
    boxes.push(tagArea(tag, pad));
  }
  for (const gone of tags.values()) boxes.push(tagArea(gone, pad));
  return boxes.length > maxBoxes ? [union(boxes)] : boxes;
}

/** Whether a shape, `pad` wider for its stroke, reaches into any of the boxes: only those need painting there. */
export function reaches(shape: Shape, boxes: readonly Box[], pad: number): boolean {
  const box = grown(shapeBounds(shape), pad);
  return boxes.some((b) => overlaps(box, b));
}

export function tagReaches(tag: TagBox, boxes: readonly Box[], pad: number): boolean {
  const box = tagArea(tag, pad);
  return boxes.some((b) => overlaps(box, b));
}

/** The side of a cell of the grid of shapes, in image pixels: a few shapes of a 4K frame's 5,000 per cell. */
const cell = 128;
const grids = new WeakMap<readonly Shape[], Map<string, number[]>>();

/** Each shape's place in the list, filed under every grid cell its bounds touch; made once per list of shapes. */
function gridOf(shapes: readonly Shape[]): Map<string, number[]> {
  let grid = grids.get(shapes);
  if (grid) return grid;
  grid = new Map();
  shapes.forEach((shape, index) => {
    const b = shapeBounds(shape);
    for (let y = Math.floor(b.minY / cell); y <= Math.floor(b.maxY / cell); y++) {
      for (let x = Math.floor(b.minX / cell); x <= Math.floor(b.maxX / cell); x++) {
        const key = `${x} ${y}`;
        const list = grid?.get(key);
        if (list) list.push(index);
        else grid?.set(key, [index]);
      }
    }
  });
  grids.set(shapes, grid);
  return grid;
}

/**
 * The shapes that reach into `area` (`pad` wider for their strokes), bottom to top, found through a grid of the
 * shapes' bounds instead of going over all of them for each of a bitmap's tiles.
 */
export function shapesIn(shapes: readonly Shape[], area: Box, pad: number): Shape[] {
  const grid = gridOf(shapes);
  const found = new Set<number>();
  for (let y = Math.floor((area.y - pad) / cell); y <= Math.floor((area.y + area.height + pad) / cell); y++) {
    for (let x = Math.floor((area.x - pad) / cell); x <= Math.floor((area.x + area.width + pad) / cell); x++) {
      for (const index of grid.get(`${x} ${y}`) ?? []) found.add(index);
    }
  }
  return [...found]
    .sort((a, b) => a - b)
    .map((index) => shapes[index])
    .filter((shape): shape is Shape => shape !== undefined && reaches(shape, [area], pad));
}
