import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { unzipTo } from '../datasets/unzip';
import { tempLibraryDir } from '../test-support/temp-library';
import { zipFolder } from '../../shared/folder-zip';

describe('a dropped folder zipped in the page', () => {
  it('is a zip unzip checks clean and the host unpacks into the same files, names and bytes', async () => {
    const picture = Buffer.alloc(200_000, 9);
    const zip = await zipFolder({
      name: 'task_shelves',
      item: null,
      files: [
        { path: 'annotations.xml', file: new File(['<annotations/>'], 'annotations.xml') },
        { path: 'images/default/ölflasche.jpg', file: new File([picture], 'ölflasche.jpg') },
        { path: 'images/empty.txt', file: new File([], 'empty.txt') },
      ],
    });
    expect(zip.name).toBe('task_shelves.zip');
    const dir = tempLibraryDir();
    const file = path.join(dir, zip.name);
    writeFileSync(file, Buffer.from(await zip.arrayBuffer()));

    expect(spawnSync('unzip', ['-t', file], { encoding: 'utf8' }).stdout).toContain('No errors detected in compressed data');
    const into = await unzipTo(file, path.join(dir, 'unpacked'));
    expect(readFileSync(path.join(into, 'annotations.xml'), 'utf8')).toBe('<annotations/>');
    expect(readFileSync(path.join(into, 'images/default/ölflasche.jpg')).equals(picture)).toBe(true);
    expect(readFileSync(path.join(into, 'images/empty.txt'))).toHaveLength(0);
  });
});
