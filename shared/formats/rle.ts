/**
 * COCO's run-length encoded masks (the `iscrowd` objects, and any `segmentation` given as `{size, counts}`), as the
 * COCO API's mask code defines them: the mask is read column by column (x outer, y inner), and `counts` alternates
 * runs of 0s and 1s starting with 0s. Uncompressed RLE gives the counts as numbers; compressed RLE as a string where
 * each count is written in 5-bit groups, least significant first, each group + 48 as one character, bit 0x20 saying
 * another group follows and bit 0x10 of the last group its sign, and every count after the second is stored as its
 * difference from the count two before.
 */

export interface RleMask {
  height: number;
  width: number;
  counts: number[];
}

/** The counts of a compressed RLE string; null if the string is not one. */
export function decodeRleString(text: string): number[] | null {
  const counts: number[] = [];
  let p = 0;
  while (p < text.length) {
    let value = 0;
    let shift = 0;
    let more = true;
    while (more) {
      if (p >= text.length) return null;
      const c = text.charCodeAt(p) - 48;
      if (c < 0 || c > 63) return null;
      value |= (c & 0x1f) << (5 * shift);
      more = (c & 0x20) !== 0;
      p++;
      shift++;
      if (!more && (c & 0x10) !== 0) value |= -1 << (5 * shift);
      if (shift > 6) return null;
    }
    if (counts.length > 2) value += counts[counts.length - 2] ?? 0;
    counts.push(value);
  }
  return counts;
}

/** COCO's RLE object, compressed or not; null if it is not one. */
export function parseRle(segmentation: unknown): RleMask | null {
  if (typeof segmentation !== 'object' || segmentation === null || Array.isArray(segmentation)) return null;
  const { size, counts } = segmentation as { size?: unknown; counts?: unknown };
  if (!Array.isArray(size) || size.length !== 2) return null;
  const [height, width] = size as unknown[];
  if (typeof height !== 'number' || typeof width !== 'number' || !(height > 0) || !(width > 0)) return null;
  const list = typeof counts === 'string' ? decodeRleString(counts) : Array.isArray(counts) && counts.every((n) => typeof n === 'number') ? (counts as number[]) : null;
  if (list === null || list.some((n) => !Number.isInteger(n) || n < 0)) return null;
  return { height, width, counts: list };
}

/** The mask's pixels, row by row (index y * width + x), 1 inside; null if the runs do not fill the mask exactly. */
export function rasterise(mask: RleMask): Uint8Array | null {
  const { width, height } = mask;
  const total = width * height;
  const pixels = new Uint8Array(total);
  let at = 0;
  for (let i = 0; i < mask.counts.length; i++) {
    const run = mask.counts[i] ?? 0;
    if (at + run > total) return null;
    if (i % 2 === 1) {
      for (let k = at; k < at + run; k++) pixels[(k % height) * width + Math.floor(k / height)] = 1;
    }
    at += run;
  }
  return at === total ? pixels : null;
}

/** Douglas–Peucker on a closed outline: drops corners closer than `tolerance` to the line through their neighbours. */
function simplify(points: number[], tolerance: number): number[] {
  const count = points.length / 2;
  if (count <= 4) return points;
  const keep = new Uint8Array(count);
  // The two points farthest apart split the ring into two open chains.
  let far = 0;
  let best = -1;
  for (let i = 1; i < count; i++) {
    const d = ((points[2 * i] ?? 0) - (points[0] ?? 0)) ** 2 + ((points[2 * i + 1] ?? 0) - (points[1] ?? 0)) ** 2;
    if (d > best) {
      best = d;
      far = i;
    }
  }
  keep[0] = 1;
  keep[far] = 1;
  const stack: [number, number][] = [
    [0, far],
    [far, count],
  ];
  while (stack.length > 0) {
    const [from, to] = stack.pop() as [number, number];
    const ax = points[2 * from] ?? 0;
    const ay = points[2 * from + 1] ?? 0;
    const bx = points[2 * (to % count)] ?? 0;
    const by = points[2 * (to % count) + 1] ?? 0;
    const length = Math.hypot(bx - ax, by - ay) || 1;
    let index = -1;
    let distance = tolerance;
    for (let i = from + 1; i < to; i++) {
      const d = Math.abs((bx - ax) * (ay - (points[2 * i + 1] ?? 0)) - (ax - (points[2 * i] ?? 0)) * (by - ay)) / length;
      if (d > distance) {
        distance = d;
        index = i;
      }
    }
    if (index !== -1) {
      keep[index] = 1;
      stack.push([from, index], [index, to]);
    }
  }
  const out: number[] = [];
  for (let i = 0; i < count; i++) if (keep[i]) out.push(points[2 * i] ?? 0, points[2 * i + 1] ?? 0);
  return out;
}

/**
 * The outline of each separate region of the mask (pixels touching at a corner count as one region), traced along
 * the pixels' edges so it encloses exactly the region's pixels, then simplified to within half a pixel. Holes are
 * not traced: a Stillframe polygon has none, so a region with holes comes back filled; `holes` says so.
 */
export function traceMask(pixels: Uint8Array, width: number, height: number): { outlines: number[][]; holes: boolean } {
  const at = (x: number, y: number) => (x >= 0 && y >= 0 && x < width && y < height ? (pixels[y * width + x] ?? 0) : 0);
  const seen = new Uint8Array(width * height);
  const outlines: number[][] = [];
  let filled = 0;
  let area = 0;
  for (let start = 0; start < pixels.length; start++) {
    if (pixels[start] !== 1 || seen[start] === 1) continue;
    // Flood the region so its other pixels are not taken for new regions.
    const queue = [start];
    seen[start] = 1;
    for (let q = 0; q < queue.length; q++) {
      const index = queue[q] ?? 0;
      const x = index % width;
      const y = Math.floor(index / width);
      area++;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          const ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
          const next = ny * width + nx;
          if (pixels[next] === 1 && seen[next] === 0) {
            seen[next] = 1;
            queue.push(next);
          }
        }
      }
    }
    const outline = traceFrom(at, start % width, Math.floor(start / width));
    outlines.push(simplify(outline, 0.5));
    // An exact outline enclosing more than the region's pixels encloses holes.
    filled += polygonPixelArea(outline);
  }
  return { outlines, holes: filled > area };
}

function polygonPixelArea(points: readonly number[]): number {
  let twice = 0;
  const count = points.length / 2;
  for (let i = 0; i < count; i++) {
    const j = (i + 1) % count;
    twice += (points[2 * i] ?? 0) * (points[2 * j + 1] ?? 0) - (points[2 * j] ?? 0) * (points[2 * i + 1] ?? 0);
  }
  return Math.abs(twice) / 2;
}

/** Directions on the grid of pixel corners: right, down, left, up (y grows downwards). */
const dx = [1, 0, -1, 0];
const dy = [0, 1, 0, -1];

/**
 * Walks the region's outer edge clockwise, keeping its pixels on the right, from the top-left corner of its first
 * pixel in reading order (nothing of the region lies above or to the left of it); returns the corners where it turns.
 */
function traceFrom(at: (x: number, y: number) => number, startX: number, startY: number): number[] {
  const corners: number[] = [];
  let x = startX;
  let y = startY;
  let direction = 0;
  for (let steps = 0; ; steps++) {
    // The two pixels ahead, left and right of the edge the walk would follow next.
    const left = [at(x, y - 1), at(x, y), at(x - 1, y), at(x - 1, y - 1)][direction] ?? 0;
    const right = [at(x, y), at(x - 1, y), at(x - 1, y - 1), at(x, y - 1)][direction] ?? 0;
    const turned = left ? (direction + 3) % 4 : right ? direction : (direction + 1) % 4;
    if (steps > 0 && x === startX && y === startY && turned === 0) break;
    if (turned !== direction || steps === 0) corners.push(x, y);
    direction = turned;
    x += dx[direction] ?? 0;
    y += dy[direction] ?? 0;
  }
  return corners;
}
