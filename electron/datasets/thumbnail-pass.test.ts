import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listProjectFrames } from '../library/frames';
import { projectStorage } from '../monitoring/storage';
import { createProject } from '../library/projects';
import { openTestServices, tempLibraryDir } from '../test-support/temp-library';
import { imageSize } from './image-size';
import { importDataset } from './import';

/** A COCO dataset of `count` real 1280×720 JPEGs with one box each; returns its folder. */
function cocoDataset(count: number): string {
  const root = path.join(tempLibraryDir(), 'shots');
  mkdirSync(path.join(root, 'images'), { recursive: true });
  const first = path.join(root, 'images', 'shot-000.jpg');
  execFileSync(process.env.FFMPEG_PATH ?? 'ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=s=1280x720', '-frames:v', '1', first]);
  const images = [];
  const annotations = [];
  for (let i = 0; i < count; i++) {
    const name = `shot-${String(i).padStart(3, '0')}.jpg`;
    if (i > 0) copyFileSync(first, path.join(root, 'images', name));
    images.push({ id: i + 1, file_name: name, width: 1280, height: 720 });
    annotations.push({ id: i + 1, image_id: i + 1, category_id: 1, bbox: [i, 10, 50, 50], area: 2500, iscrowd: 0 });
  }
  writeFileSync(path.join(root, 'annotations.json'), JSON.stringify({ images, annotations, categories: [{ id: 1, name: 'sign' }] }));
  return root;
}

describe('thumbnails of an import, made after it', () => {
  it('shows each new frame from its full image at once, then replaces it with a thumbnail and leaves the image whole', async () => {
    const dataset = cocoDataset(12);
    const original = readFileSync(path.join(dataset, 'images', 'shot-000.jpg'));
    const services = openTestServices();
    const project = createProject(services.db, 'Signs');
    const summary = await importDataset(services.db, services.paths, { project, format: 'coco', from: dataset, dryRun: false });
    expect(summary.images.added).toBe(12);

    const frames = listProjectFrames(services.db, project.id, null);
    const file = (relative: string) => path.join(services.paths.root, relative);
    // Browsable before any thumbnail is made: every tile's picture is there, the full image.
    for (const frame of frames) expect((await imageSize(file(frame.thumbPath)))?.width).toBe(1280);
    expect(services.thumbnails.status()).toMatchObject({ remaining: 12 });
    const thumbnailBytes = async () => (await projectStorage(services.db, services.paths, project.id)).batches.reduce((sum, b) => sum + b.thumbnailBytes, 0);
    const sumOf = (relatives: string[]) => relatives.reduce((sum, relative) => sum + statSync(file(relative)).size, 0);
    // Asked for while the thumbnails are still the full images, the storage figure counts those.
    expect(await thumbnailBytes()).toBe(sumOf(frames.map((frame) => frame.path)));

    const seen: number[] = [];
    services.events.on('thumbnails.progress', (progress) => seen.push(progress.remaining));
    const result = await services.thumbnails.run();
    expect(result).toMatchObject({ made: 12, failed: 0 });
    expect(seen.at(-1)).toBe(0);
    expect(services.thumbnails.status().remaining).toBe(0);
    for (const frame of frames) {
      expect((await imageSize(file(frame.thumbPath)))?.width).toBe(320);
      // The stand-in was a hard link to the image: the thumbnail replaced the link, never the image's bytes.
      expect(readFileSync(file(frame.path)).equals(original)).toBe(true);
      expect(statSync(file(frame.path)).nlink).toBe(1);
    }
    // Once the real thumbnails are made, the figure counts them, not the images they replaced.
    expect(await thumbnailBytes()).toBe(sumOf(frames.map((frame) => frame.thumbPath)));
  });

  it('leaves out a file that is not an image even when the dataset gives its size', async () => {
    const dataset = cocoDataset(2);
    writeFileSync(path.join(dataset, 'images', 'shot-001.jpg'), 'not a picture');
    const services = openTestServices();
    const project = createProject(services.db, 'Signs');
    const problems = [{ item: 'shot-001.jpg', message: 'its file is not an image Stillframe can read; the image and its 1 shape(s) were left out' }];
    // A dry run tells it before anything is copied.
    const dry = await importDataset(services.db, services.paths, { project, format: 'coco', from: dataset, dryRun: true });
    expect(dry.images).toMatchObject({ added: 1, skipped: 1 });
    expect(dry.problems).toEqual(problems);
    const summary = await importDataset(services.db, services.paths, { project, format: 'coco', from: dataset, dryRun: false });
    expect(summary.images).toMatchObject({ added: 1, skipped: 1 });
    expect(summary.shapes).toMatchObject({ added: 1, skipped: 1 });
    expect(summary.problems).toEqual(problems);
    expect(listProjectFrames(services.db, project.id, null)).toHaveLength(1);
  });
});
