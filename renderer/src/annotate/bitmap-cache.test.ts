import { describe, expect, it } from 'vitest';
import { cacheCovers, cachedPosition, cacheRegion, heldTransform, visibleArea } from './bitmap-cache';

const view = { width: 1000, height: 600 };
const frame = { x: 0, y: 0, width: 1920, height: 1080 };

describe('the pan cache', () => {
  it('holds the whole frame when it fits in the view', () => {
    const scale = 0.5;
    const region = cacheRegion(frame, scale, 20.4, 30.6, view);
    expect(region).toEqual({ x: 20, y: 30, width: 961, height: 541 });
    expect(visibleArea(frame, scale, 20.4, 30.6, view)).toEqual({ x: 20.4, y: 30.6, width: 960, height: 540 });
  });

  it('reaches a quarter of the view past each edge when zoomed in, not the whole frame', () => {
    const region = cacheRegion(frame, 4, -3000, -1000, view);
    expect(region).toEqual({ x: -250, y: -150, width: 1500, height: 900 });
  });

  it('follows a pan by whole pixels and holds until the view leaves it', () => {
    const cached = { scale: 4, e: -3000, f: -1000, region: { x: -250, y: -150, width: 1500, height: 900 } };
    expect(cachedPosition(cached, -2900, -1000)).toEqual({ x: -150, y: -150 });
    const visible = (e: number, f: number) => visibleArea(frame, 4, e, f, view) ?? { x: 0, y: 0, width: 0, height: 0 };
    expect(cacheCovers(cached, 4, -2900, -1000, visible(-2900, -1000))).toBe(true);
    expect(cacheCovers(cached, 4, -3250, -1000, visible(-3250, -1000))).toBe(true);
    expect(cacheCovers(cached, 4, -3300, -1000, visible(-3300, -1000))).toBe(false);
    expect(cacheCovers(cached, 4.5, -3000, -1000, visible(-3000, -1000))).toBe(false);
  });

  it('stays on the cache through a pan by a fraction of a pixel while the whole frame is in view', () => {
    const scale = 0.27;
    const region = cacheRegion(frame, scale, 12, 66.375, view);
    if (!region) throw new Error('no region');
    const cached = { scale, e: 12, f: 66.375, region };
    for (const [e, f] of [[18.67, 69.71], [25.33, 73.04], [12.4, 66.9], [131.5, 97.5]] as const) {
      const visible = visibleArea(frame, scale, e, f, view);
      if (!visible) throw new Error('out of view');
      expect(cacheCovers(cached, scale, e, f, visible)).toBe(true);
    }
  });

  it('puts the held bitmap where its content is after a zoom and a pan', () => {
    const cached = { scale: 0.5, e: 20, f: 30, region: { x: 20, y: 30, width: 961, height: 541 } };
    const at = heldTransform(cached, 2, -400, -100);
    // The frame point (300, 200) was cached at device (170, 130), that is bitmap pixel (150, 100).
    const bitmap = { x: 300 * 0.5 + 20 - 20, y: 200 * 0.5 + 30 - 30 };
    expect(at.k).toBe(4);
    expect(bitmap.x * at.k + at.x).toBeCloseTo(300 * 2 - 400);
    expect(bitmap.y * at.k + at.y).toBeCloseTo(200 * 2 - 100);
  });

  it('has nothing to cache when the frame is out of view', () => {
    expect(visibleArea(frame, 1, 2000, 0, view)).toBeNull();
    expect(cacheRegion(frame, 1, 2000, 0, { width: 100, height: 100 })).toBeNull();
  });
});
