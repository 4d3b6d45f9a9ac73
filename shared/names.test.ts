import { describe, expect, it } from 'vitest';
import { defaultBatchName, nameLength, slugify, uniqueSlug, validateBatchName, validateProjectName } from './names';

describe('names', () => {
  it('trims names and refuses empty, over-long and control-character names with a message', () => {
    expect(validateProjectName('  Shelves  ')).toBe('Shelves');
    expect(() => validateProjectName('   ')).toThrow('Project name is required.');
    expect(() => validateProjectName('a'.repeat(101))).toThrow('at most 100 characters');
    expect(validateProjectName('a'.repeat(100))).toHaveLength(100);
    expect(() => validateBatchName('b'.repeat(51))).toThrow('at most 50 characters');
    expect(() => validateBatchName('tab\there')).toThrow('control characters');
  });

  it('refuses invisible and text-direction characters, keeps joiners, and stores names in NFC', () => {
    expect(() => validateBatchName('Shelf\u202E1')).toThrow('invisible or text-direction characters (it has U+202E)');
    expect(() => validateProjectName('Shelf\u200B1')).toThrow('(it has U+200B)');
    expect(() => validateBatchName('\u2066Shelf\u2069')).toThrow('U+2066');
    expect(validateBatchName('👨\u200D👩\u200D👧')).toBe('👨\u200D👩\u200D👧');
    expect(validateBatchName('Cafe\u0301')).toBe('Café');
  });

  it('counts characters, not UTF-16 units, so 50 emoji are a valid batch name', () => {
    expect(validateBatchName('🎥'.repeat(50))).toBe('🎥'.repeat(50));
  });

  it('never lets a batch name reach outside its folder', () => {
    for (const hostile of ['../../etc', '..', '.', '/abs/path', 'a\\b\\..\\c', 'x/../../y', '\u0000nul', '....']) {
      const slug = slugify(hostile);
      expect(slug).not.toMatch(/[/\\.]/);
      expect(slug.length).toBeGreaterThan(0);
    }
    expect(slugify('../../etc')).toBe('etc');
  });

  it('keeps letters of every script and avoids Windows device names', () => {
    expect(slugify('Café Été 日本 2026')).toBe('café-été-日本-2026');
    expect(slugify('CON')).toBe('con-batch');
    expect(slugify('lpt1')).toBe('lpt1-batch');
    expect(slugify('   ')).toBe('batch');
  });

  it('makes slugs unique within a project', () => {
    expect(uniqueSlug('Morning run', new Set())).toBe('morning-run');
    expect(uniqueSlug('Morning run!', new Set(['morning-run', 'morning-run-2']))).toBe('morning-run-3');
  });

  it('names a default batch by date and time', () => {
    expect(defaultBatchName(new Date(2026, 10, 24, 9, 5))).toBe('2026-11-24 09:05 import');
  });
});

describe('nameLength', () => {
  it('counts a name as its limit does: trimmed, normalised, by character', () => {
    expect(nameLength('  Morning  ')).toBe(7);
    expect(nameLength('e\u0301')).toBe(1);
    expect(nameLength('🚗🚗')).toBe(2);
  });
});
