import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempLibraryDir } from '../../test-support/temp-library';
import { readJsonStream } from './json-stream';

async function read(text: string) {
  const file = path.join(tempLibraryDir(), 'data.json');
  writeFileSync(file, text);
  const members: Record<string, unknown> = {};
  const elements: unknown[] = [];
  await readJsonStream(file, new Set(['frames']), {
    onMember: (key, value) => void (members[key] = value),
    onElement: (_key, value) => void elements.push(value),
  });
  return { members, elements };
}

describe('reading a large JSON file element by element', () => {
  it('gives the same values JSON.parse does, across read chunks and in any member order', async () => {
    // Over a megabyte, so elements straddle the reader's chunks; names with brackets, quotes, escapes and non-ASCII.
    const frames = Array.from({ length: 9000 }, (_, i) => ({ name: `frame ${i} [“Fußgänger”] {\\"x\\"} 自転車`, points: [i, -1.5e3, 0.25], nested: { list: [[], {}] } }));
    const document = { frames, stillframe: 1, project: { name: 'a } b ]' }, empty: [], flag: true, none: null, text: 'x' };
    const text = JSON.stringify(document, null, 1);
    expect(text.length).toBeGreaterThan(1 << 20);
    const { members, elements } = await read(text);
    expect(elements).toEqual(frames);
    expect(members).toEqual({ stillframe: 1, project: { name: 'a } b ]' }, empty: [], flag: true, none: null, text: 'x' });
  });

  it('says what is wrong with a file that is cut short or not an object, in words', async () => {
    await expect(read('{"stillframe": 1, "frames": [{"a": 1}, {"b"')).rejects.toThrow('“data.json” is not valid JSON: it ends before its object does.');
    await expect(read('[1, 2]')).rejects.toThrow('“data.json” is not valid JSON: it does not hold an object.');
    await expect(read('{"frames": [{"a": 1,}]}')).rejects.toThrow('“data.json” is not valid JSON');
  });
});
