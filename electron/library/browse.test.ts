import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Services } from '../services';
import { ingestFiles } from '../ingest/ingest';
import { openTestServices, mediaDir } from '../test-support/temp-library';
import { deleteBatch, listBatches, renameBatch, reorderBatches } from './batches';
import { seedFrames } from '../test-support/seed-frames';
import { listFrames, moveFrames, purgeDeletedFrames, restoreFrames, softDeleteFrames, type FrameCursor } from './frames';
import { createProject, getProject } from './projects';

async function projectWithTwoBatches(services: Services) {
  const project = createProject(services.db, 'Browse');
  const imports = [];
  for (const [name, clip] of [['Morning', 'milk.mkv'], ['Evening', 'car-detection.mp4']] as const) {
    const result = await ingestFiles(services.db, services.ingestSettings, {
      projectId: project.id, batch: { newName: name }, paths: [path.join(mediaDir, clip)],
      options: { sampling: { mode: 'every', seconds: 10 }, jpegQuality: 3 },
    });
    services.queue.wake();
    await services.queue.waitFor(result.jobIds);
    imports.push(result.batch);
  }
  const [morning, evening] = imports as [typeof imports[0], typeof imports[0]];
  return { project, morning, evening };
}

const onDisk = (services: Services, relative: string) => existsSync(path.join(services.paths.root, relative));

describe('browsing and organising batches', () => {
  it('lists batches newest first until the person reorders them, and renames them with the creation rules', async () => {
    const services = openTestServices({ startQueue: true });
    const { project, morning, evening } = await projectWithTwoBatches(services);
    expect(listBatches(services.db, project.id).map((b) => b.name)).toEqual(['Evening', 'Morning']);
    reorderBatches(services.db, project.id, [morning.id, evening.id]);
    expect(listBatches(services.db, project.id).map((b) => b.name)).toEqual(['Morning', 'Evening']);
    expect(() => reorderBatches(services.db, project.id, [morning.id])).toThrow('changed while you were reordering');

    expect(renameBatch(services.db, morning.id, '  Dawn ').name).toBe('Dawn');
    expect(() => renameBatch(services.db, morning.id, 'evening')).toThrow('already has a batch named “evening”');
    expect(() => renameBatch(services.db, morning.id, '')).toThrow('Batch name is required.');
    expect(() => renameBatch(services.db, morning.id, 'x'.repeat(51))).toThrow('at most 50 characters');
    expect(renameBatch(services.db, morning.id, 'dawn').name).toBe('dawn');
  });

  it('moves frames with their files to another batch, and refuses a move to where they already are', async () => {
    const services = openTestServices({ startQueue: true });
    const { project, morning, evening } = await projectWithTwoBatches(services);
    const carFrames = listFrames(services.db, evening.id, 0, 100).frames;
    expect(carFrames).toHaveLength(4);
    const moving = carFrames.slice(0, 2);
    expect(() => moveFrames(services.db, services.paths, moving.map((f) => f.id), evening.id)).toThrow('already in “Evening”');

    moveFrames(services.db, services.paths, moving.map((f) => f.id), morning.id);
    const moved = listFrames(services.db, morning.id, 0, 100).frames.filter((f) => f.videoName === 'car-detection.mp4');
    expect(moved.map((f) => f.index)).toEqual([1, 2]);
    for (const [i, frame] of moved.entries()) {
      expect(frame.path).toContain(`/${morning.slug}/`);
      expect(onDisk(services, frame.path)).toBe(true);
      expect(onDisk(services, frame.thumbPath)).toBe(true);
      expect(onDisk(services, moving[i]?.path ?? '')).toBe(false);
    }
    expect(listFrames(services.db, evening.id, 0, 100).total).toBe(2);

    expect(() => deleteBatch(services.db, services.paths, evening.id)).toThrow('2 in “Morning”');
    moveFrames(services.db, services.paths, moved.map((f) => f.id), evening.id);
    const { frames } = deleteBatch(services.db, services.paths, evening.id);
    expect(frames).toBe(4);
    expect(listBatches(services.db, project.id).map((b) => b.name)).toEqual(['Morning']);
    expect(existsSync(path.join(services.paths.frames, project.id, evening.slug))).toBe(false);
    expect(getProject(services.db, project.id).frameCount).toBe(1);
  });

  it('deletes frames at once with an undo, and removes their files only when purged', async () => {
    const services = openTestServices({ startQueue: true });
    const { project, evening } = await projectWithTwoBatches(services);
    const frames = listFrames(services.db, evening.id, 0, 100).frames;
    softDeleteFrames(services.db, [frames[0]!.id, frames[1]!.id]);
    expect(listFrames(services.db, evening.id, 0, 100).total).toBe(2);
    expect(getProject(services.db, project.id).frameCount).toBe(3);
    expect(onDisk(services, frames[0]!.path)).toBe(true);
    restoreFrames(services.db, [frames[0]!.id, frames[1]!.id]);
    expect(listFrames(services.db, evening.id, 0, 100).frames.map((f) => f.id)).toEqual(frames.map((f) => f.id));

    softDeleteFrames(services.db, [frames[3]!.id]);
    expect(purgeDeletedFrames(services.db, services.paths)).toBe(1);
    expect(onDisk(services, frames[3]!.path)).toBe(false);
    expect(onDisk(services, frames[3]!.thumbPath)).toBe(false);
    expect(() => restoreFrames(services.db, [frames[3]!.id])).toThrow('no longer exist');
  });

  it('refuses to delete a batch while its videos are still extracting', async () => {
    const services = openTestServices();
    const project = createProject(services.db, 'Busy');
    const result = await ingestFiles(services.db, services.ingestSettings, {
      projectId: project.id, batch: { newName: 'Queued' }, paths: [path.join(mediaDir, 'milk.mkv')],
      options: { sampling: { mode: 'every', seconds: 1 }, jpegQuality: 3 },
    });
    expect(() => deleteBatch(services.db, services.paths, result.batch.id)).toThrow('still has 1 video(s) waiting or extracting');
  });
});

describe('paging through a large batch', () => {
  it('pages behind the last frame it has, skipping deleted frames and seeking rather than counting', () => {
    const services = openTestServices();
    const { batch, frames } = seedFrames(services.db, Array.from({ length: 25 }, () => ({ width: 640, height: 360 })));
    softDeleteFrames(services.db, [frames[10]!.id]);
    const paged: string[] = [];
    let after: FrameCursor | undefined;
    for (;;) {
      const page = listFrames(services.db, batch.id, 0, 7, after);
      expect(page.total).toBe(24);
      if (page.frames.length === 0) break;
      paged.push(...page.frames.map((f) => f.id));
      const last = page.frames.at(-1)!;
      after = { videoId: last.videoId, index: last.index };
    }
    expect(paged).toEqual(frames.filter((_, i) => i !== 10).map((f) => f.id));
    const plan = services.db
      .prepare(`EXPLAIN QUERY PLAN SELECT f.id FROM frames f WHERE f.batch_id = ? AND f.deleted_at IS NULL
        AND (f.video_id, f.frame_index) > (?, ?) ORDER BY f.video_id, f.frame_index LIMIT 7`)
      .all(batch.id, frames[0]!.videoId, 3)
      .map((row) => String(row.detail));
    expect(plan.join('\n')).toMatch(/SEARCH f USING INDEX frames_batch \(batch_id=\? AND \(video_id,frame_index\)>\(\?,\?\)\)/);
    expect(plan.join('\n')).not.toMatch(/TEMP B-TREE/);
  });

  it('returns the window at a position straight away: the frames there, in order, past deleted ones, up to the end', () => {
    const services = openTestServices();
    const { batch, frames } = seedFrames(services.db, Array.from({ length: 1000 }, () => ({ width: 640, height: 360 })));
    const at = (offset: number, limit: number) => listFrames(services.db, batch.id, offset, limit);
    const expectWindows = (live: string[]) => {
      expect(at(700, 50).frames.map((f) => f.id)).toEqual(live.slice(700, 750));
      expect(at(700, 50).total).toBe(live.length);
      // The last window of the batch, as the End key asks for it: only the frames that are there.
      expect(at(live.length - 8, 300).frames.map((f) => f.id)).toEqual(live.slice(-8));
      expect(at(live.length, 300).frames).toEqual([]);
      // The same frames as paging there behind the frame before.
      const before = at(699, 1).frames[0]!;
      expect(listFrames(services.db, batch.id, 0, 50, { videoId: before.videoId, index: before.index }).frames).toEqual(at(700, 50).frames);
    };
    expectWindows(frames.map((f) => f.id));
    // Without deleted frames the steps to the position are taken in the index alone.
    const plan = services.db
      .prepare('EXPLAIN QUERY PLAN SELECT rowid FROM frames WHERE batch_id = ? ORDER BY video_id, frame_index LIMIT 50 OFFSET 700')
      .all(batch.id)
      .map((row) => String(row.detail));
    expect(plan.join('\n')).toMatch(/COVERING INDEX frames_batch/);

    softDeleteFrames(services.db, [frames[3]!.id, frames[500]!.id]);
    expectWindows(frames.filter((_, i) => i !== 3 && i !== 500).map((f) => f.id));
  });
});
