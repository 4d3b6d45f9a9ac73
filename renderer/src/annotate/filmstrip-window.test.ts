import { describe, expect, it } from 'vitest';
import { filmstripWindow } from './filmstrip-window';

describe('the filmstrip', () => {
  it('shows as many frames as its width holds, not a fixed few', () => {
    const narrow = filmstripWindow(28, 0, 1256);
    const wide = filmstripWindow(28, 0, 2536);
    expect(narrow.end - narrow.start).toBe(11);
    expect(wide.end - wide.start).toBe(20);
  });

  it('stays full near either end of the batch and centres the frame between them', () => {
    expect(filmstripWindow(28, 0, 1256)).toEqual({ start: 0, end: 11 });
    expect(filmstripWindow(28, 27, 1256)).toEqual({ start: 17, end: 28 });
    expect(filmstripWindow(28, 14, 1256)).toEqual({ start: 9, end: 20 });
  });

  it('shows every frame of a short batch', () => {
    expect(filmstripWindow(4, 2, 2536)).toEqual({ start: 0, end: 4 });
    expect(filmstripWindow(0, -1, 2536)).toEqual({ start: 0, end: 0 });
  });
});
