import { describe, expect, it } from 'vitest';
import { uuidPattern, uuidv7, uuidv7Time } from './ids';

describe('uuidv7', () => {
  it('makes RFC 9562 version 7 ids that sort by time and never repeat, drawn from the random pool many times over', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => uuidv7(1_700_000_000_000 + Math.floor(i / 10)));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id).toMatch(uuidPattern);
      expect(id[14]).toBe('7');
      expect('89ab').toContain(id[19]);
    }
    expect(ids[0]?.slice(0, 13)).toBe('018bcfe5-6800');
    const byTime = ids.filter((_, i) => i % 10 === 0);
    expect([...byTime].sort()).toEqual(byTime);
    expect(ids.map(uuidv7Time).filter((_, i) => i % 10 === 0)).toEqual(byTime.map((_, i) => 1_700_000_000_000 + i));
  });
});
