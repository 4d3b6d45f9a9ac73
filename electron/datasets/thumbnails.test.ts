import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempLibraryDir } from '../test-support/temp-library';
import { imageSize } from './image-size';
import { jpegReduction, makeThumbnails, type ThumbnailJob } from './thumbnails';

function makeImages(dir: string, prefix: string, size: string, count: number): string[] {
  const made = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=25`, '-frames:v', String(count), path.join(dir, `${prefix}%03d.jpg`)]);
  if (made.status !== 0) throw new Error(String(made.stderr));
  return readdirSync(dir).filter((name) => name.startsWith(prefix)).map((name) => path.join(dir, name));
}

describe('thumbnails of imported images', () => {
  it('scales images of several sizes to at most 320 px, and leaves out only the file FFmpeg cannot read', async () => {
    const dir = tempLibraryDir();
    const wide = makeImages(dir, 'wide', '1280x720', 30);
    const small = makeImages(dir, 'small', '200x150', 3);
    const odd = path.join(dir, "it's 100% odd.jpg");
    copyFileSync(wide[0] ?? '', odd);
    const broken = path.join(dir, 'broken.jpg');
    writeFileSync(broken, 'not a picture');
    const sources = [...wide.slice(0, 12), broken, ...wide.slice(12), odd, ...small];
    const jobs: ThumbnailJob[] = sources.map((source, i) => ({
      source,
      target: path.join(dir, 'thumbs', `${i}.jpg`),
      ...(source.includes('small') ? { width: 200, height: 150 } : { width: 1280, height: 720 }),
    }));
    const failed = await makeThumbnails(jobs, path.join(dir, 'tmp'));
    expect([...failed]).toEqual([broken]);
    for (const job of jobs.filter((candidate) => candidate.source !== broken)) {
      expect(await imageSize(job.target)).toEqual(job.width === 200 ? { width: 200, height: 150 } : { width: 320, height: 180 });
    }
    expect(existsSync(jobs[12]?.target ?? '')).toBe(false);
    expect(readdirSync(path.join(dir, 'tmp'))).toEqual([]);
  });

  it('reads large JPEGs at a reduced size that still covers the thumbnail, and other images whole', async () => {
    expect(jpegReduction({ source: 'a.jpg', width: 1920, height: 1080 })).toBe(2);
    expect(jpegReduction({ source: 'a.JPEG', width: 4000, height: 3000 })).toBe(3);
    expect(jpegReduction({ source: 'a.jpg', width: 639, height: 480 })).toBe(0);
    expect(jpegReduction({ source: 'a.png', width: 3840, height: 2160 })).toBe(0);
    const dir = tempLibraryDir();
    const large = makeImages(dir, 'large', '1920x1080', 20);
    const jobs = large.map((source, i) => ({ source, target: path.join(dir, 'thumbs', `${i}.jpg`), width: 1920, height: 1080 }));
    expect([...(await makeThumbnails(jobs, path.join(dir, 'tmp')))]).toEqual([]);
    for (const job of jobs) expect(await imageSize(job.target)).toEqual({ width: 320, height: 180 });
  });
});
