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
