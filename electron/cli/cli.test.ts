import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestFiles } from '../ingest/ingest';
import { createProject } from '../library/projects';
import { openServices } from '../services';
import { mediaDir, tempLibraryDir } from '../test-support/temp-library';
import { cli } from '../test-support/run-cli';

describe('the stillframe command', () => {
  it('ingests videos and prints the documented JSON, exiting 1 when any video failed', async () => {
    const library = tempLibraryDir();
    const fake = path.join(library, '..', `fake-${path.basename(library)}.mp4`);
    writeFileSync(fake, 'plain text');
    const run = await cli(['ingest', path.join(mediaDir, 'milk.mkv'), fake, '--library', library, '--project', 'Dairy', '--batch', 'Shelf 1', '--json']);
    expect(run.code).toBe(1);
    const { videos } = JSON.parse(run.out) as { videos: Record<string, unknown>[] };
    expect(videos).toEqual([
      { file: path.join(mediaDir, 'milk.mkv'), id: expect.any(String), status: 'done', frames: 2, error: null },
      { file: fake, id: expect.any(String), status: 'failed', frames: 0, error: 'This file is not a video that FFmpeg can read.' },
    ]);

    const frames = await cli(['frames', '--library', library, '--project', 'Dairy', '--batch', 'Shelf 1', '--json']);
    expect(frames.code).toBe(0);
    const listed = (JSON.parse(frames.out) as { frames: Record<string, unknown>[] }).frames;
    expect(listed).toHaveLength(2);
    expect(Object.keys(listed[0] ?? {}).sort()).toEqual(['batch', 'height', 'id', 'index', 'path', 'thumb_path', 'timestamp_ms', 'video_id', 'width'].sort());
    expect(listed[0]).toMatchObject({ batch: 'Shelf 1', index: 1, timestamp_ms: 0, width: 640, height: 480, video_id: videos[0]?.id });
    expect(listed[1]).toMatchObject({ index: 2, timestamp_ms: 1000 });
    expect(path.isAbsolute(String(listed[0]?.path))).toBe(true);
    expect(existsSync(String(listed[0]?.path))).toBe(true);
    expect(existsSync(String(listed[0]?.thumb_path))).toBe(true);

    const ok = await cli(['ingest', path.join(mediaDir, 'milk.mkv'), '--library', library, '--project', 'Dairy', '--batch', 'Shelf 2', '--keyframes', '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ videos: [{ status: 'done', error: null }] });

    const projects = await cli(['projects', '--library', library, '--json']);
    expect(JSON.parse(projects.out)).toMatchObject({ projects: [{ name: 'Dairy', batchCount: 2, videoCount: 3, frameCount: 2 + (JSON.parse(ok.out) as { videos: { frames: number }[] }).videos[0]!.frames }] });
    const jobs = await cli(['jobs', '--library', library, '--json']);
    expect((JSON.parse(jobs.out) as { jobs: { status: string }[] }).jobs.map((job) => job.status)).toEqual(['done', 'done']);
  });

  it('exits 2 with usage for bad arguments, and 1 with a message for a missing project', async () => {
    const library = tempLibraryDir();
    expect((await cli(['ingest', 'a.mp4', '--library', library, '--batch', 'B'])).code).toBe(2);
    expect((await cli(['ingest', 'a.mp4', '--library', library, '--project', 'P', '--batch', 'B', '--every', '1', '--nth', '2'])).err).toContain('Choose one of');
    expect((await cli(['ingest', 'a.mp4', '--library', library, '--project', 'P', '--batch', 'B', '--every', 'soon'])).code).toBe(2);
    expect((await cli(['ingest', 'a.mp4', '--library', library, '--project', 'P', '--batch', 'B', '--scene', '7'])).code).toBe(2);
    expect((await cli(['ingest', 'a.mp4', '--library', library, '--project', 'P', '--batch', 'B', '--bogus'])).code).toBe(2);
    expect((await cli(['frobnicate'])).code).toBe(2);
    const missing = await cli(['frames', '--library', library, '--project', 'Nope', '--json']);
    expect(missing).toMatchObject({ code: 1, err: 'There is no project named “Nope”.' });
    expect((await cli(['projects', 'create', '  ', '--library', library])).code).toBe(2);
  });

  it('follows the app’s rules, through its handlers: deleting a project cancels its jobs; an export into the library is refused', async () => {
    const library = tempLibraryDir();
    const services = openServices({ libraryDir: library });
    const project = createProject(services.db, 'Waiting');
    await ingestFiles(services.db, services.ingestSettings, {
      projectId: project.id, batch: { newName: 'B' }, paths: [path.join(mediaDir, 'milk.mkv')], options: { sampling: { mode: 'every', seconds: 1 }, jpegQuality: 3 },
    });
    await services.close();
    expect((JSON.parse((await cli(['jobs', '--library', library, '--json'])).out) as { jobs: unknown[] }).jobs).toHaveLength(1);
    const deleted = await cli(['projects', 'delete', 'Waiting', '--library', library]);
    expect(deleted).toMatchObject({ code: 0, out: 'Deleted project “Waiting”.' });
    expect(JSON.parse((await cli(['jobs', '--library', library, '--json'])).out)).toEqual({ jobs: [] });
    expect(existsSync(path.join(library, 'queue.lock'))).toBe(false);

    const text = path.join(tempLibraryDir(), 'notes.mp4');
    writeFileSync(text, 'plain text');
    const refused = await cli(['ingest', text, '--library', library, '--project', 'Dairy', '--batch', 'B', '--json']);
    expect(refused).toMatchObject({ code: 1, out: '', err: 'Nothing was imported: “notes.mp4”: This file is not a video that FFmpeg can read.' });
    expect(JSON.parse((await cli(['projects', '--library', library, '--json'])).out)).toEqual({ projects: [] });
    await cli(['ingest', path.join(mediaDir, 'milk.mkv'), '--library', library, '--project', 'Dairy', '--batch', 'B']);
    const inside = await cli(['export', '--library', library, '--project', 'Dairy', '--format', 'coco', '--out', path.join(library, 'tmp')]);
    expect(inside.code).toBe(2);
    expect(inside.err).toContain('outside the Stillframe library');
    const seed = await cli(['export', '--library', library, '--project', 'Dairy', '--format', 'yolo', '--val-ratio', '2', '--out', path.join(tempLibraryDir(), 'out')]);
    expect(seed).toMatchObject({ code: 2, err: expect.stringMatching(/^--val-ratio must be at most 0.95\./) });
  });
});
