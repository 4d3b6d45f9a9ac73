import { describe, expect, it } from 'vitest';
import { countDecisions, frameDistance, gridSide, selectFrames, type FrameFeatures } from './frame-selection';

const cells = gridSide * gridSide;

/** A frame whose regions all have brightness `y` (regions listed in `spots` get `spotY`), grey in colour. */
function frame(y: number, sharpness = 100, spots: number[] = [], spotY = y, chroma = 128): FrameFeatures {
  const grid = new Uint8Array(cells * 3).fill(128);
  for (let i = 0; i < cells; i++) grid[i] = spots.includes(i) ? spotY : y;
  for (const i of spots) grid[2 * cells + i] = chroma;
  return { grid, sharpness };
}

describe('frame selection', () => {
  it('sets a change of the whole picture’s brightness aside, but not a change in one region or in colour', () => {
    expect(frameDistance(frame(100), frame(130))).toBe(0);
    expect(frameDistance(frame(100), frame(100, 100, [5], 200))).toBeGreaterThan(90);
    // A red car on grey asphalt: the same brightness, another colour.
    expect(frameDistance(frame(100), frame(100, 100, [5], 100, 200))).toBeGreaterThan(100);
  });

  it('keeps the sharpest frame of each run of near-duplicates, and calls the blurred ones blurry', () => {
    const frames = [frame(100, 10), frame(101, 90), frame(100, 50), frame(100, 80, [0, 1, 2], 250), frame(100, 5, [0, 1, 2], 250)];
    expect(selectFrames(frames, { dedupe: 28, minSharpness: null, pick: null })).toEqual(['duplicate', 'kept', 'duplicate', 'kept', 'duplicate']);
    expect(selectFrames(frames, { dedupe: 28, minSharpness: 20, pick: null })).toEqual(['blurry', 'kept', 'duplicate', 'kept', 'blurry']);
    expect(selectFrames(frames, { dedupe: null, minSharpness: 20, pick: null })).toEqual(['blurry', 'kept', 'kept', 'kept', 'blurry']);
  });

  it('picks the N most diverse frames, never fewer than one per scene', () => {
    const scene = (spot: number) => [frame(100, 50, [spot], 250), frame(100, 60, [spot], 245), frame(100, 40, [spot], 240)];
    const frames = [...scene(0), ...scene(20), ...scene(40)];
    const one = selectFrames(frames, { dedupe: null, minSharpness: null, pick: 1 });
    expect(countDecisions(one).kept).toBe(3);
    expect([1, 4, 7].map((i) => one[i])).toEqual(['kept', 'kept', 'kept']);
    const five = selectFrames(frames, { dedupe: null, minSharpness: null, pick: 5 });
    expect(countDecisions(five)).toEqual({ kept: 5, duplicate: 0, blurry: 0, 'not-picked': 4 });
  });
});
