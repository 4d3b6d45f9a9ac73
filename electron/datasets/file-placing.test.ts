import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempLibraryDir } from '../test-support/temp-library';
import { placeInline, placeOnThread, type Placements } from './file-placing';

const placer = path.resolve(import.meta.dirname, '../../out/main/file-placer.js');

/** `count` real JPEGs in a dataset folder, and where each is to go in a library. */
function dataset(count: number): { placements: Placements; library: string; image: (i: number) => string; thumb: (i: number) => string } {
  const root = tempLibraryDir();
  mkdirSync(path.join(root, 'images'));
  const first = path.join(root, 'images', 'shot-0.jpg');
  execFileSync(process.env.FFMPEG_PATH ?? 'ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=s=320x180', '-frames:v', '1', first]);
  const library = path.join(root, 'library');
  // Two videos' folders, as an import places them.
  const folders = ['frames/video-0', 'thumbs/video-0', 'frames/video-1', 'thumbs/video-1'].map((folder) => path.join(library, folder));
  const files = Array.from({ length: count }, (_, i) => {
    const source = path.join(root, 'images', `shot-${i}.jpg`);
    if (i > 0) copyFileSync(first, source);
    return { source, imageFolder: 2 * (i % 2), image: `shot-${i}.jpg`, thumbFolder: 2 * (i % 2) + 1, thumb: `shot-${i}.jpg` };
  });
  const at = (i: number, folder: 'imageFolder' | 'thumbFolder') => path.join(folders[files[i]?.[folder] ?? 0] ?? '', `shot-${i}.jpg`);
  return { placements: { folders, files }, library, image: (i) => at(i, 'imageFolder'), thumb: (i) => at(i, 'thumbFolder') };
}

const filesUnder = (folder: string): number =>
  existsSync(folder) ? readdirSync(folder, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).length : 0;

describe('placing an import’s files', () => {
  it('copies every image with its thumbnail’s stand-in, on a thread as on this one', async () => {
    expect(existsSync(placer), 'build first: electron-vite build').toBe(true);
    const results = [];
    for (const place of [(list: Placements) => placeInline(list, undefined), (list: Placements) => placeOnThread(placer, list, undefined)]) {
      const { placements, image, thumb } = dataset(5);
      await place(placements);
      results.push({
        images: placements.files.map((file, i) => existsSync(image(i)) && readFileSync(image(i)).equals(readFileSync(file.source))),
        // The stand-in is the image itself, hard-linked, until the thumbnail pass replaces it.
        standIns: placements.files.map((_, i) => existsSync(thumb(i)) && statSync(thumb(i)).ino === statSync(image(i)).ino),
      });
    }
    expect(results[0]).toEqual({ images: [true, true, true, true, true], standIns: [true, true, true, true, true] });
    expect(results[1]).toEqual(results[0]);
  });

  it('stops the thread when cancelled, and no file appears after it says so', async () => {
    expect(existsSync(placer), 'build first: electron-vite build').toBe(true);
    const { placements, library, image } = dataset(3000);
    const controller = new AbortController();
    const placing = placeOnThread(placer, placements, controller.signal);
    const first = image(0);
    while (!existsSync(first)) await new Promise((resolve) => setTimeout(resolve, 1));
    controller.abort(new Error('cancelled by the person'));
    await expect(placing).rejects.toThrow('cancelled by the person');
    const placed = filesUnder(library);
    expect(placed).toBeLessThan(2 * placements.files.length);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(filesUnder(library)).toBe(placed);
  });

  it('takes a list of 300,000 files to its thread, and a copy that fails rejects with that copy’s own error', async () => {
    expect(existsSync(placer), 'build first: electron-vite build').toBe(true);
    const library = tempLibraryDir();
    const folders = [path.join(library, 'frames'), path.join(library, 'thumbs')];
    const files = Array.from({ length: 300_000 }, (_, i) => {
      const name = `frame_${String(i).padStart(7, '0')}.jpg`;
      return { source: path.join(library, 'gone', name), imageFolder: 0, image: name, thumbFolder: 1, thumb: name };
    });
    // The dataset's image went away after the plan: the import fails with what the file system said, as it did
    // when the copies ran on the dataset thread.
    await expect(placeOnThread(placer, { folders, files }, undefined)).rejects.toMatchObject({ code: 'ENOENT', syscall: 'copyfile' });
    expect(filesUnder(library)).toBe(0);
  });
});
