import { describe, expect, it } from 'vitest';
import { assignRowSlots } from './row-slots';

describe('assignRowSlots', () => {
  it('numbers the first rows shown from 0', () => {
    expect([...assignRowSlots(new Map(), [4, 5, 6])]).toEqual([
      [4, 0],
      [5, 1],
      [6, 2],
    ]);
  });

  it('keeps the slot of a row still shown and gives a row scrolled on the slot of one scrolled off', () => {
    const first = assignRowSlots(new Map(), [0, 1, 2, 3]);
    const next = assignRowSlots(first, [2, 3, 4, 5]);
    expect(next.get(2)).toBe(2);
    expect(next.get(3)).toBe(3);
    expect(new Set([next.get(4), next.get(5)])).toEqual(new Set([0, 1]));
  });

  it('never gives two rows one slot, and stays as many slots as rows over a long scroll', () => {
    let slots = assignRowSlots(new Map(), [0, 1, 2, 3, 4]);
    for (let top = 1; top < 500; top += (top % 7) + 1) {
      const count = 5 + (top % 3);
      const rows = Array.from({ length: count }, (_, i) => top + i);
      slots = assignRowSlots(slots, rows);
      const used = [...slots.values()];
      expect(new Set(used).size).toBe(rows.length);
      expect(Math.max(...used)).toBeLessThan(7);
    }
  });

  it('hands out every slot anew after a jump far away', () => {
    const near = assignRowSlots(new Map(), [0, 1, 2]);
    const far = assignRowSlots(near, [900, 901, 902]);
    expect([...far.values()].sort()).toEqual([0, 1, 2]);
  });
});
