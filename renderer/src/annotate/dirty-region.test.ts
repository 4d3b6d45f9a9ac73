import { describe, expect, it } from 'vitest';
import { testShape } from '../../../shared/test-shape';
import { changedArea, reaches, shapesIn, type TagBox } from './dirty-region';

const shape = (id: string, x: number, y: number) =>
  testShape({ id, frameId: 'f', type: 'polygon', points: [x, y, x + 10, y, x + 10, y + 10] });

const tag = (id: string, x: number): TagBox => ({ id, text: 'Car', color: '#ff0000', unlabelled: false, x, y: 0, width: 20, height: 6 });

describe('the part of the shapes layer painted again', () => {
  const a = shape('a', 0, 0);
  const b = shape('b', 100, 100);
  const c = shape('c', 300, 0);

  it('is nothing when nothing the layer shows changed', () => {
    expect(changedArea({ shapes: [a, b], selection: [], tags: [] }, { shapes: [a, b], selection: [], tags: [] }, 2)).toEqual([]);
    // A selected shape is on the overlay, not this layer: moving it changes nothing here.
    expect(changedArea({ shapes: [a, b], selection: ['b'], tags: [] }, { shapes: [a, shape('b', 150, 150)], selection: ['b'], tags: [] }, 2)).toEqual([]);
  });

  it('is where a shape was selected or let go, with its stroke around it', () => {
    expect(changedArea({ shapes: [a, b], selection: [], tags: [] }, { shapes: [a, b], selection: ['b'], tags: [] }, 2)).toEqual([{ x: 98, y: 98, width: 14, height: 14 }]);
  });

  it('is where a let-go shape was and where it is now, and where a shape went', () => {
    const moved = shape('b', 200, 100);
    expect(changedArea({ shapes: [a, b, c], selection: [], tags: [] }, { shapes: [a, moved], selection: [], tags: [] }, 0)).toEqual([
      { x: 100, y: 100, width: 10, height: 10 },
      { x: 200, y: 100, width: 10, height: 10 },
      { x: 300, y: 0, width: 10, height: 10 },
    ]);
  });

  it('takes in a tag that moved, where it was and where it is', () => {
    expect(changedArea({ shapes: [a], selection: [], tags: [tag('a', 0)] }, { shapes: [a], selection: [], tags: [tag('a', 50)] }, 1)).toEqual([
      { x: -1, y: -1, width: 22, height: 8 },
      { x: 49, y: -1, width: 22, height: 8 },
    ]);
  });

  it('becomes one box around all of them when many shapes changed at once', () => {
    const many = Array.from({ length: 100 }, (_, i) => shape(`s${i}`, i * 20, 0));
    expect(changedArea({ shapes: many, selection: [], tags: [] }, { shapes: many, selection: many.map((s) => s.id), tags: [] }, 0)).toEqual([
      { x: 0, y: 0, width: 1990, height: 10 },
    ]);
  });

  it('is painted with the shapes that reach into it and no others', () => {
    const area = [{ x: 98, y: 98, width: 14, height: 14 }];
    expect([a, b, c].filter((s) => reaches(s, area, 2)).map((s) => s.id)).toEqual(['b']);
  });

  it('finds through its grid the same shapes, in the same order, as going over all of them', () => {
    const many = Array.from({ length: 400 }, (_, i) => shape(`s${i}`, (i * 97) % 1000, (i * 53) % 700));
    for (const area of [{ x: 100, y: 100, width: 60, height: 60 }, { x: 0, y: 0, width: 1000, height: 700 }, { x: 127, y: 255, width: 2, height: 2 }]) {
      expect(shapesIn(many, area, 3)).toEqual(many.filter((s) => reaches(s, [area], 3)));
    }
  });
});
