import { describe, expect, it } from 'vitest';
import { placeTags, type TagRequest } from './tag-layout';

const frame = { width: 640, height: 360 };
const request = (id: string, minX: number, minY: number, maxX: number, maxY: number): TagRequest => ({
  id,
  bounds: { minX, minY, maxX, maxY },
  width: 40,
  height: 16,
});

describe('placeTags', () => {
  it('puts a tag above its shape, inside the frame', () => {
    expect(placeTags([request('a', 100, 100, 200, 200)], frame).get('a')).toEqual({ x: 100, y: 84 });
    expect(placeTags([request('top', 630, 0, 640, 50)], frame).get('top')).toEqual({ x: 600, y: 0 });
  });

  it('never lets two tags cover each other when shapes are close', () => {
    const close = [request('a', 100, 100, 200, 200), request('b', 104, 102, 210, 190), request('c', 108, 98, 220, 210)];
    const places = placeTags(close, frame);
    const boxes = [...places.values()].map((p) => ({ ...p, width: 40, height: 16 }));
    expect(boxes.length).toBeGreaterThanOrEqual(3);
    for (const [i, a] of boxes.entries()) {
      for (const b of boxes.slice(i + 1)) {
        const apart = a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
        expect(apart).toBe(true);
      }
    }
  });

  it('shows no tags at all on a crowded frame', () => {
    const crowd = Array.from({ length: 151 }, (_, i) => request(`c${i}`, (i % 15) * 40, Math.floor(i / 15) * 30 + 20, (i % 15) * 40 + 30, Math.floor(i / 15) * 30 + 40));
    expect(placeTags(crowd, { width: 640, height: 360 }).size).toBe(0);
    expect(placeTags(crowd.slice(0, 20), { width: 640, height: 360 }).size).toBeGreaterThan(0);
  });

  it('leaves out a tag with no free place rather than cover another', () => {
    const same = Array.from({ length: 6 }, (_, i) => request(`s${i}`, 100, 100, 140, 116));
    expect(placeTags(same, frame).size).toBeLessThan(6);
  });
});
