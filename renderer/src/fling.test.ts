import { describe, expect, it } from 'vitest';
import { flingDetector, flingPxPerMs } from './fling';

/** A wheel turn's smooth scroll: `px` in frames of 16 ms, most of it first, ending in steps of a few pixels. */
function smoothTurn(px: number, frames = 6): number[] {
  const eased = Array.from({ length: frames + 1 }, (_, i) => 1 - (1 - i / frames) ** 3);
  return eased.slice(1).map((share, i) => Math.round(px * (share - (eased[i] ?? 0))));
}

describe('flingDetector', () => {
  it('reads a grid moved slowly and steadily as looked at', () => {
    const flung = flingDetector();
    const answers = Array.from({ length: 60 }, (_, i) => flung(i * 16, i * 16));
    expect(answers.some(Boolean)).toBe(false);
  });

  it('keeps a fling flung through the last small steps of each wheel turn', () => {
    const flung = flingDetector();
    let top = 0;
    let at = 0;
    // Where the grid rests when the fling begins, as the grid gives it on mounting.
    flung(top, at);
    const answers: boolean[] = [];
    for (let turn = 0; turn < 8; turn++) {
      for (const step of smoothTurn(400)) {
        top += step;
        at += 16;
        answers.push(flung(top, at));
      }
      // The next turn a few milliseconds after this one's animation ends: 400 px every 100 ms, 4 px/ms.
      at += 4;
    }
    // Each turn's last step alone is slower than a fling; read over the window, none of them is.
    expect(smoothTurn(400).at(-1)! / 16).toBeLessThan(flingPxPerMs);
    expect(answers.every(Boolean)).toBe(true);
  });

  it('reads the scroll after a pause by its own speed, not the fling before it', () => {
    const flung = flingDetector();
    for (let i = 0; i < 10; i++) flung(i * 400, i * 50);
    expect(flung(3600 + 10, 450 + 1000)).toBe(false);
    expect(flung(3600 + 12, 450 + 1016)).toBe(false);
  });

  it('reads a fling begun after a long rest as a fling from its first step', () => {
    const flung = flingDetector();
    // Where the grid rests, as the grid gives it on mounting, two seconds before the wheel turns.
    flung(0, 0);
    const answers = Array.from({ length: 8 }, (_, i) => flung((i + 1) * 400, 2000 + i * 35));
    expect(answers).toEqual(Array.from({ length: 8 }, () => true));
  });

  it('reads a single small wheel turn after a rest as looked at', () => {
    const flung = flingDetector();
    flung(0, 0);
    let top = 0;
    const answers = smoothTurn(100).map((step, i) => flung((top += step), 2000 + i * 16));
    expect(answers.some(Boolean)).toBe(false);
  });

  it('reads a jump (End, the scrollbar dragged) as a fling', () => {
    const flung = flingDetector();
    flung(0, 0);
    expect(flung(50_000, 16)).toBe(true);
  });
});
