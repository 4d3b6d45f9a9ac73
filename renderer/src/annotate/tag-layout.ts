import type { ImageSize } from '../../../shared/geometry';
import type { Bounds } from './shape-geometry';

/** A shape's label tag to place: the shape's bounds and the tag's size, all in image pixels. */
export interface TagRequest {
  id: string;
  bounds: Bounds;
  width: number;
  height: number;
}

export interface TagPlace {
  x: number;
  y: number;
}

/**
 * Beyond this many shapes a frame is a crowd: tags would hide the picture and slow every pan, so only the selected
 * shape's tag shows (the list names every shape, and unlabelled ones stay dashed).
 */
export const maxTags = 150;

function overlaps(a: TagPlace & { width: number; height: number }, b: TagPlace & { width: number; height: number }): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/**
 * Where each shape's tag goes so that no two tags cover each other: above the shape's top-left corner, else just
 * inside it, else under the shape, else above its top-right corner, each kept inside the frame. A tag with no free
 * place is left out (its shape is still drawn, and the list names it); later shapes are on top, so they place first.
 */
export function placeTags(requests: readonly TagRequest[], frame: ImageSize): Map<string, TagPlace> {
  const placed: (TagPlace & { width: number; height: number })[] = [];
  const result = new Map<string, TagPlace>();
  if (requests.length > maxTags) return result;
  const clamp = (value: number, size: number, limit: number) => Math.min(Math.max(0, value), Math.max(0, limit - size));
  for (const request of [...requests].reverse()) {
    const { bounds: b, width, height } = request;
    const candidates: TagPlace[] = [
      { x: b.minX, y: b.minY - height },
      { x: b.minX, y: b.minY },
      { x: b.minX, y: b.maxY },
      { x: b.maxX - width, y: b.minY - height },
    ];
    for (const candidate of candidates) {
      const box = { x: clamp(candidate.x, width, frame.width), y: clamp(candidate.y, height, frame.height), width, height };
      if (placed.some((other) => overlaps(box, other))) continue;
      placed.push(box);
      result.set(request.id, { x: box.x, y: box.y });
      break;
    }
  }
  return result;
}
