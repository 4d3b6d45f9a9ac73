import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listFrames } from '../library/frames';
import { getJob } from '../library/jobs';
import { createProject } from '../library/projects';
import { listVideos } from '../library/videos';
import { apiClient } from '../test-support/api-client';
import { openTestServices, mediaDir, tempLibraryDir } from '../test-support/temp-library';
import { ingestFiles } from './ingest';

const everySecond = { sampling: { mode: 'every' as const, seconds: 1 }, jpegQuality: 3 };

function scratch(): string {
  return tempLibraryDir();
}

describe('ingesting videos into a batch', () => {
  it('extracts real clips into the library layout, committing frames with their real timestamps', async () => {
    const services = openTestServices({ startQueue: true });
    const { db, paths } = services;
    const project = createProject(db, 'Shelves');
    const result = await ingestFiles(db, services.ingestSettings, {
      projectId: project.id,
      batch: { newName: '../../Morning run' },
      paths: [path.join(mediaDir, 'car-detection.mp4'), path.join(mediaDir, 'milk.mkv')],
      options: everySecond,
    });
    expect(result.batch).toMatchObject({ name: '../../Morning run', slug: 'morning-run' });
    expect(result.videos.map((v) => v.video?.status)).toEqual(['pending', 'pending']);
    services.queue.wake();
    const jobs = await services.queue.waitFor(result.jobIds);
    expect(jobs.map((job) => job.status)).toEqual(['done', 'done']);

    const videos = listVideos(db, result.batch.id);
    expect(videos.map((v) => [v.name, v.status, v.frameCount])).toEqual([
      ['car-detection.mp4', 'done', 31],
      ['milk.mkv', 'done', 2],
    ]);
    expect(videos[0]).toMatchObject({ width: 768, height: 432, frameRate: 12.5 });
    expect(Math.abs((videos[0]?.durationMs ?? 0) - 30_210)).toBeLessThan(100);
    expect(videos[0]?.contentHash).toMatch(/^[0-9a-f]{64}$/);

    const { frames, total } = listFrames(db, result.batch.id, 0, 100);
    expect(total).toBe(33);
    const car = frames.filter((frame) => frame.videoId === videos[0]?.id);
    expect(car[0]?.path).toBe(`frames/${project.id}/morning-run/${videos[0]?.id}/frame_000001.jpg`);
    for (const [i, frame] of car.entries()) {
      expect(frame.index).toBe(i + 1);
      expect(frame.timestampMs).toBeGreaterThanOrEqual(i * 1000);
      expect(frame.timestampMs).toBeLessThan(i * 1000 + 80);
      expect(statSync(path.join(paths.root, frame.path)).size).toBeGreaterThan(1000);
      expect(existsSync(path.join(paths.root, frame.thumbPath))).toBe(true);
    }
    expect(readdirSync(paths.tmp)).toEqual([]);
  });

  it('refuses a request with nothing that is a video before any batch is made, and lets a failed video be removed', async () => {
    const services = openTestServices({ startQueue: true });
    const { invoke, attempt } = apiClient(services);
    const dir = scratch();
    const text = path.join(dir, 'notes.mp4');
    writeFileSync(text, 'hello, not a video\n'.repeat(100));
    const project = await invoke('projects.create', { name: 'Text' });
    const refused = await attempt('ingest.start', { projectId: project.id, batch: { newName: 'Oops' }, paths: [text], options: everySecond });
    expect(refused).toEqual({
      ok: false,
      error: { code: 'not-a-video', message: 'Nothing was imported: “notes.mp4”: This file is not a video that FFmpeg can read.' },
    });
    expect(await invoke('batches.list', { projectId: project.id })).toEqual([]);
    const relative = await attempt('ingest.start', { projectId: project.id, batch: { newName: 'Oops' }, paths: ['notes.mp4'], options: everySecond });
    expect(relative).toMatchObject({ ok: false, error: { code: 'invalid-input', message: 'Give each file as a full path, not “notes.mp4”.' } });

    const mixed = await invoke('ingest.start', {
      projectId: project.id, batch: { newName: 'Mixed' }, paths: [text, path.join(mediaDir, 'milk.mkv')], options: everySecond,
    });
    const other = path.join(dir, 'other.mp4');
    writeFileSync(other, 'more notes\n'.repeat(100));
    const intoExisting = await attempt('ingest.start', { projectId: project.id, batch: { existingId: mixed.batch.id }, paths: [other], options: everySecond });
    expect(intoExisting).toMatchObject({ ok: false, error: { code: 'not-a-video' } });
    expect(await invoke('videos.list', { batchId: mixed.batch.id })).toHaveLength(2);
    const failed = mixed.videos[0]?.video;
    expect(failed?.status).toBe('failed');
    const done = mixed.videos[1]?.video;
    await services.queue.waitFor([done?.jobId ?? '']);
    expect(await attempt('videos.delete', { id: done?.id ?? '' })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(await invoke('videos.delete', { id: failed?.id ?? '' })).toEqual({ id: failed?.id });
    expect((await invoke('videos.list', { batchId: mixed.batch.id })).map((video) => video.name)).toEqual(['milk.mkv']);
  });

  it('extracts the first videos while the rest are still read, and a file that fails its probe meanwhile fails alone', async () => {
    const services = openTestServices({ startQueue: true, queue: { concurrency: 2 } });
    const { db } = services;
    const text = path.join(scratch(), 'notes.mp4');
    writeFileSync(text, 'hello, not a video\n'.repeat(100));
    const project = createProject(db, 'Overlap');
    const started: string[] = [];
    services.events.on('job.updated', (job) => {
      if (job.status === 'processing') started.push(job.videoName);
    });
    const result = await ingestFiles(db, services.ingestSettings, {
      projectId: project.id,
      batch: { newName: 'Overlap' },
      paths: [path.join(mediaDir, 'car-detection.mp4'), text, path.join(mediaDir, 'milk.mkv'), path.join(mediaDir, 'bottle-detection.mp4')],
      options: everySecond,
      onQueued: () => services.queue.wake(),
    });
    // The import had not finished reading its files when the first extraction began.
    expect(started).toContain('car-detection.mp4');
    const jobs = await services.queue.waitFor(result.jobIds);
    expect(jobs.map((job) => [job.videoName, job.status])).toEqual([
      ['car-detection.mp4', 'done'],
      ['milk.mkv', 'done'],
      ['bottle-detection.mp4', 'done'],
    ]);
    const videos = listVideos(db, result.batch.id);
    expect(videos.map((video) => [video.name, video.status, video.error?.message ?? null, video.frameCount])).toEqual([
      ['car-detection.mp4', 'done', null, 31],
      ['notes.mp4', 'failed', 'This file is not a video that FFmpeg can read.', 0],
      ['milk.mkv', 'done', null, 2],
      ['bottle-detection.mp4', 'done', null, 40],
    ]);
  });

  it('marks what is not a video as failed with a message a person understands, and goes on with the rest', async () => {
    const services = openTestServices({ startQueue: true, ingest: { maxFileBytes: 1_000_000 } });
    const { db } = services;
    const dir = scratch();
    const files = {
      empty: path.join(dir, 'empty.mp4'),
      text: path.join(dir, 'notes.mp4'),
      truncated: path.join(dir, 'truncated.mp4'),
      large: path.join(dir, 'large.mp4'),
      missing: path.join(dir, 'missing.mp4'),
      good: path.join(mediaDir, 'milk.mkv'),
    };
    writeFileSync(files.empty, '');
    writeFileSync(files.text, 'hello, not a video\n'.repeat(100));
    copyFileSync(path.join(mediaDir, 'bottle-detection.mp4'), files.truncated);
    truncateSync(files.truncated, 4096);
    copyFileSync(path.join(mediaDir, 'car-detection.mp4'), files.large);
    const project = createProject(db, 'Mixed bag');
    const result = await ingestFiles(db, services.ingestSettings, {
      projectId: project.id,
      batch: { newName: 'Mixed' },
      paths: Object.values(files),
      options: everySecond,
    });
    const byFile = new Map(result.videos.map((item) => [path.basename(item.file), item]));
    expect(byFile.get('empty.mp4')?.error?.message).toBe('This file is empty (0 bytes), so there is nothing to extract.');
    expect(byFile.get('notes.mp4')?.error?.message).toBe('This file is not a video that FFmpeg can read.');
    expect(byFile.get('truncated.mp4')?.error?.code).toBe('not-a-video');
    expect(byFile.get('large.mp4')?.error).toMatchObject({ code: 'file-too-large' });
    expect(byFile.get('missing.mp4')?.error?.message).toBe('“missing.mp4” could not be found. It may have been moved or deleted.');
    expect(byFile.get('milk.mkv')?.error).toBeNull();
    services.queue.wake();
    await services.queue.waitFor(result.jobIds);
    const videos = listVideos(db, result.batch.id);
    expect(videos.map((v) => [v.name, v.status])).toEqual([
      ['empty.mp4', 'failed'],
      ['notes.mp4', 'failed'],
      ['truncated.mp4', 'failed'],
      ['large.mp4', 'failed'],
      ['milk.mkv', 'done'],
    ]);
    expect(videos.find((v) => v.name === 'notes.mp4')?.error?.message).toBe('This file is not a video that FFmpeg can read.');
  });

  it('reports a file imported twice into one batch instead of duplicating it, and walks dropped folders', async () => {
    const services = openTestServices();
    const { db } = services;
    const folder = scratch();
    copyFileSync(path.join(mediaDir, 'milk.mkv'), path.join(folder, 'milk copy.mkv'));
    writeFileSync(path.join(folder, 'readme.txt'), 'not picked up from a folder');
    const project = createProject(db, 'Dupes');
    const first = await ingestFiles(db, services.ingestSettings, {
      projectId: project.id, batch: { newName: 'One' }, paths: [folder], options: everySecond,
    });
    expect(first.videos.map((v) => path.basename(v.file))).toEqual(['milk copy.mkv']);
    const second = await ingestFiles(db, services.ingestSettings, {
      projectId: project.id, batch: { existingId: first.batch.id }, paths: [path.join(mediaDir, 'milk.mkv')], options: everySecond,
    });
    expect(second.videos[0]).toMatchObject({ video: null, duplicateOf: first.videos[0]?.video?.id });
    expect(listVideos(db, first.batch.id)).toHaveLength(1);
    await expect(
      ingestFiles(db, services.ingestSettings, { projectId: project.id, batch: { newName: 'one' }, paths: [folder], options: everySecond }),
    ).rejects.toThrow('already has a batch named “one”');
  });

  it('walks a folder that links to itself once, taking each video once', async () => {
    const services = openTestServices();
    const { db } = services;
    const folder = path.join(scratch(), 'videos');
    mkdirSync(folder);
    copyFileSync(path.join(mediaDir, 'milk.mkv'), path.join(folder, 'milk.mkv'));
    symlinkSync('.', path.join(folder, 'here'));
    symlinkSync('..', path.join(folder, 'up'));
    symlinkSync('milk.mkv', path.join(folder, 'milk link.mkv'));
    const project = createProject(db, 'Loops');
    const result = await ingestFiles(db, services.ingestSettings, {
      projectId: project.id, batch: { newName: 'Looped' }, paths: [folder], options: everySecond,
    });
    // The link and the file it names are one video: whichever the walk meets first is taken.
    expect(result.videos).toHaveLength(1);
    expect(listVideos(db, result.batch.id)).toHaveLength(1);
  });

  it('cancels a running extraction: FFmpeg is killed and nothing of it is left behind', async () => {
    const services = openTestServices({ startQueue: true });
    const { db, paths } = services;
    const project = createProject(db, 'Cancel me');
    const result = await ingestFiles(db, services.ingestSettings, {
      projectId: project.id, batch: { newName: 'Long' },
      paths: [path.join(mediaDir, 'one-by-one-person-detection.mp4')],
      options: { sampling: { mode: 'nth', n: 1 }, jpegQuality: 2 },
    });
    const id = result.jobIds[0] ?? '';
    services.queue.wake();
    for (let i = 0; i < 500 && getJob(db, id).progress <= 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(getJob(db, id).status).toBe('processing');
    services.queue.cancel(id);
    const [job] = await services.queue.waitFor([id]);
    expect(job?.status).toBe('cancelled');
    expect(listFrames(db, result.batch.id, 0, 10).total).toBe(0);
    expect(readdirSync(paths.tmp)).toEqual([]);
    expect(existsSync(path.join(paths.frames, project.id, 'long'))).toBe(false);
  });

  it('fails a video whose source vanished at once, and lists it as dead with the reason', async () => {
    const services = openTestServices({ queue: { retryBaseMs: 20 } });
    const { db } = services;
    const dir = scratch();
    const source = path.join(dir, 'soon-gone.mkv');
    writeFileSync(source, readFileSync(path.join(mediaDir, 'milk.mkv')));
    const project = createProject(db, 'Vanishing');
    const result = await ingestFiles(db, services.ingestSettings, {
      projectId: project.id, batch: { newName: 'B' }, paths: [source], options: everySecond,
    });
    unlinkSync(source);
    services.startQueue();
    const [job] = await services.queue.waitFor(result.jobIds);
    expect(job).toMatchObject({ status: 'dead', attempts: 1 });
    expect(job?.error?.message).toBe(`The source video could not be found at ${source}. It may have been moved or deleted.`);
    expect(listVideos(db, result.batch.id)[0]?.status).toBe('failed');
  });
});
