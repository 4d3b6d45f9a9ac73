import { describe, expect, it } from 'vitest';
import { fitViewport, maxScale, panBy, toImage, toScreen, zoomByWheel, zoomTo } from './viewport';

describe('the viewport', () => {
  it('fits the whole frame in the canvas, centred', () => {
    const viewport = fitViewport({ width: 1000, height: 600 }, { width: 1920, height: 1080 });
    expect(viewport.fit).toBe(true);
    expect(viewport.scale).toBeCloseTo((1000 - 24) / 1920);
    const centre = toScreen(viewport, { x: 960, y: 540 });
    expect(centre.x).toBeCloseTo(500);
    expect(centre.y).toBeCloseTo(300);
  });

  it('zooms around the pointer: the image point under it stays under it', () => {
    const start = fitViewport({ width: 1000, height: 600 }, { width: 1920, height: 1080 });
    const pointer = { x: 230, y: 410 };
    const before = toImage(start, pointer);
    const zoomed = zoomByWheel(start, -300, pointer);
    expect(zoomed.scale).toBeGreaterThan(start.scale);
    expect(zoomed.fit).toBe(false);
    const after = toImage(zoomed, pointer);
    expect(after.x).toBeCloseTo(before.x);
    expect(after.y).toBeCloseTo(before.y);
  });

  it('keeps the zoom within its limits and pans by screen pixels', () => {
    const start = { scale: 1, x: 0, y: 0, fit: true };
    expect(zoomTo(start, 1e6, { x: 0, y: 0 }).scale).toBe(maxScale);
    expect(panBy(start, 12, -7)).toEqual({ scale: 1, x: 12, y: -7, fit: false });
  });
});
