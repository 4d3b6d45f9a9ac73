import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHandlers } from '../api/handlers';
import { findBatchByName } from '../library/batches';
import { findProjectByName } from '../library/projects';
import { removeTestClips, testClip } from '../media/test-clips';
import { cli } from '../test-support/run-cli';
import { openTestServices, tempLibraryDir } from '../test-support/temp-library';

/** still-scenes.mp4: four scenes of 3 s each; the third (6–9 s) is blurred until 7.5 s. */
const sceneOf = (ms: number) => Math.floor(ms / 3000);
const blurredMs = [6000, 6500, 7000];

type Listed = { frames: { timestamp_ms: number; reason?: string; id: string }[] };

async function ingest(library: string, batch: string, flags: string[]): Promise<number[]> {
  const run = await cli(['ingest', await testClip('still-scenes.mp4'), '--library', library, '--project', 'P', '--batch', batch, '--every', '0.5', ...flags, '--json']);
  expect(run).toMatchObject({ code: 0 });
  const [video] = (JSON.parse(run.out) as { videos: { frames: number; left_out: number }[] }).videos;
  expect((video?.frames ?? 0) + (video?.left_out ?? 0)).toBe(24);
  const listed = await cli(['frames', '--library', library, '--project', 'P', '--batch', batch, '--json']);
  return (JSON.parse(listed.out) as Listed).frames.map((frame) => frame.timestamp_ms);
}

async function leftOut(library: string, batch: string): Promise<Listed['frames']> {
  const run = await cli(['frames', '--library', library, '--project', 'P', '--batch', batch, '--left-out', '--json']);
  expect(run.code).toBe(0);
  return (JSON.parse(run.out) as Listed).frames;
}

afterAll(removeTestClips);

describe('keeping the frames worth labelling', () => {
  it('--dedupe keeps one frame per still scene, and lists the rest as duplicates', async () => {
    const library = tempLibraryDir();
    const kept = await ingest(library, 'Dedupe', ['--dedupe']);
    expect(kept.map(sceneOf)).toEqual([0, 1, 2, 3]);
    // Within the blurred scene the sharp part wins.
    expect(kept[2]).toBeGreaterThanOrEqual(7500);
    const out = await leftOut(library, 'Dedupe');
    expect(out).toHaveLength(24 - 4);
    expect(new Set(out.map((frame) => frame.reason))).toEqual(new Set(['duplicate']));
    expect(Object.keys(out[0] ?? {})).toEqual(expect.arrayContaining(['timestamp_ms', 'reason']));
    expect([...out.map((frame) => frame.timestamp_ms), ...kept].sort((a, b) => a - b)).toEqual(Array.from({ length: 24 }, (_, i) => i * 500));
  });

  it('--min-sharpness drops exactly the blurred frames', async () => {
    const library = tempLibraryDir();
    const kept = await ingest(library, 'Sharp', ['--min-sharpness']);
    expect(kept).toHaveLength(24 - blurredMs.length);
    for (const ms of blurredMs) expect(kept).not.toContain(ms);
    const out = await leftOut(library, 'Sharp');
    expect(out.map((frame) => [frame.timestamp_ms, frame.reason])).toEqual(blurredMs.map((ms) => [ms, 'blurry']));
  });

  it('--pick keeps the most diverse frames, never fewer than one per scene', async () => {
    const library = tempLibraryDir();
    expect((await ingest(library, 'Two', ['--pick', '2'])).map(sceneOf)).toEqual([0, 1, 2, 3]);
    const six = await ingest(library, 'Six', ['--pick', '6', '--dedupe', '1', '--min-sharpness', '20']);
    expect(six).toHaveLength(6);
    expect(new Set(six.map(sceneOf))).toEqual(new Set([0, 1, 2, 3]));
    for (const ms of blurredMs) expect(six).not.toContain(ms);
    expect(new Set((await leftOut(library, 'Six')).map((frame) => frame.reason))).toContain('not-picked');
  });

  it('brings a left-out frame back at its real timestamp, and Undo leaves it out again', async () => {
    const library = tempLibraryDir();
    await ingest(library, 'Back', ['--dedupe', '--min-sharpness']);
    const services = openTestServices({ libraryDir: library });
    const handlers = createHandlers(services);
    const batch = findBatchByName(services.db, findProjectByName(services.db, 'P')?.id ?? '', 'Back');
    const listed = await handlers['leftOut.list']({ batchId: batch?.id ?? '' });
    expect(listed.counts).toEqual({ duplicate: 17, blurry: 3, 'not-picked': 0 });
    const target = listed.frames.find((frame) => frame.timestampMs === 4000);
    expect(target).toBeDefined();
    const { frameIds } = await handlers['leftOut.bringBack']({ ids: [target?.id ?? ''] });
    const frame = await handlers['frames.get']({ id: frameIds[0] ?? '' });
    expect(frame).toMatchObject({ timestampMs: 4000, width: 320, height: 240, index: target?.index });
    expect(existsSync(path.join(services.paths.root, frame.path))).toBe(true);
    const { frames } = await handlers['frames.list']({ batchId: batch?.id ?? '', offset: 0, limit: 100 });
    expect(frames.map((f) => f.timestampMs)).toEqual([1500, 4000, 4500, 8500, 11500]);
    expect((await handlers['leftOut.list']({ batchId: batch?.id ?? '' })).frames).toHaveLength(19);

    await handlers['frames.delete']({ ids: frameIds });
    expect((await handlers['leftOut.list']({ batchId: batch?.id ?? '' })).frames.map((f) => f.timestampMs)).toContain(4000);
    const again = await handlers['leftOut.bringBack']({ ids: [target?.id ?? ''] });
    expect(again.frameIds).toEqual(frameIds);
  });

  it('says what is wrong with a bad value', async () => {
    const library = tempLibraryDir();
    const clip = await testClip('still-scenes.mp4');
    const pick = await cli(['ingest', clip, '--library', library, '--project', 'P', '--batch', 'B', '--pick', 'lots']);
    expect(pick).toMatchObject({ code: 2, err: expect.stringContaining('--pick needs a whole number of frames') });
    const dedupe = await cli(['ingest', clip, '--library', library, '--project', 'P', '--batch', 'B', '--dedupe', '-4']);
    expect(dedupe.code).toBe(2);
  });
});
