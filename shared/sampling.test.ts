import { describe, expect, it } from 'vitest';
import { describeSampling, ordinal } from './sampling';

describe('describeSampling', () => {
  it('says how frames are taken in plain words', () => {
    expect(describeSampling({ mode: 'nth', n: 1 })).toBe('every frame');
    expect(describeSampling({ mode: 'nth', n: 2 })).toBe('every 2nd frame');
    expect(describeSampling({ mode: 'nth', n: 3 })).toBe('every 3rd frame');
    expect(describeSampling({ mode: 'nth', n: 11 })).toBe('every 11th frame');
    expect(describeSampling({ mode: 'nth', n: 21 })).toBe('every 21st frame');
    expect(describeSampling({ mode: 'every', seconds: 1 })).toBe('one frame per second');
    expect(describeSampling({ mode: 'every', seconds: 2.5 })).toBe('one frame every 2.5 seconds');
  });

  it('writes ordinals the English way', () => {
    expect([1, 2, 3, 4, 11, 12, 13, 101, 112, 1002].map(ordinal)).toEqual(['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '101st', '112th', '1,002nd']);
  });
});
