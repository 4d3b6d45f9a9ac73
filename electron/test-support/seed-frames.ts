import { uuidv7 } from '../../shared/ids';
import { createBatch } from '../library/batches';
import type { Database } from '../library/database';
import { insertFrames, listFrames } from '../library/frames';
import { createProject } from '../library/projects';
import { insertVideo } from '../library/videos';

/** A project with one batch of frames of the given sizes, inserted straight through the store (no images). */
export function seedFrames(db: Database, sizes: readonly { width: number; height: number }[], projectName = 'Street') {
  const project = createProject(db, projectName);
  const batch = createBatch(db, project.id, 'Morning');
  const videoId = uuidv7();
  insertVideo(db, {
    id: videoId,
    projectId: project.id,
    batchId: batch.id,
    name: 'clip.mp4',
    sourcePath: '/clips/clip.mp4',
    sizeBytes: 1,
    contentHash: `hash-${videoId}`,
    status: 'done',
    error: null,
    probe: null,
  });
  insertFrames(
    db,
    videoId,
    batch.id,
    sizes.map((size, i) => ({ index: i + 1, timestampMs: i * 1000, ...size, path: `f/${i}.jpg`, thumbPath: `t/${i}.jpg` })),
  );
  return { project, batch, frames: listFrames(db, batch.id, 0, 10_000).frames };
}
