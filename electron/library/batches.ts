import { rmSync } from 'node:fs';
import path from 'node:path';
import type { Batch } from '../../shared/domain';
import { StillframeError } from '../../shared/errors';
import { uuidv7 } from '../../shared/ids';
import { uniqueSlug, validateBatchName } from '../../shared/names';
import { recordChange, transaction, type Database, type Row } from './database';
import { liveFrameCount } from './frame-counts';
import type { LibraryPaths } from './paths';

const batchColumns = `
  b.id, b.project_id, b.name, b.slug, b.created_at,
  (SELECT COUNT(*) FROM videos v WHERE v.batch_id = b.id) AS video_count,
  ${liveFrameCount('b.id')} AS frame_count,
  (SELECT COUNT(*) FROM videos v WHERE v.batch_id = b.id AND v.status IN ('pending', 'processing')) AS active_count,
  (SELECT COUNT(*) FROM videos v WHERE v.batch_id = b.id AND v.status = 'failed') AS failed_count,
  (SELECT AVG(COALESCE(j.processing_progress, 0)) FROM videos v LEFT JOIN jobs j ON j.video_id = v.id
     WHERE v.batch_id = b.id AND v.status IN ('pending', 'processing')) AS progress`;

function toBatch(row: Row): Batch {
  return {
    id: String(row.id),
    projectId: String(row.project_id),
    name: String(row.name),
    slug: String(row.slug),
    createdAt: Number(row.created_at),
    videoCount: Number(row.video_count),
    frameCount: Number(row.frame_count),
    activeCount: Number(row.active_count),
    failedCount: Number(row.failed_count),
    progress: row.progress == null ? null : Number(row.progress),
  };
}

/** Newest first, unless the person has put them in their own order. */
export function listBatches(db: Database, projectId: string): Batch[] {
  return db
    .prepare(
      `SELECT ${batchColumns} FROM batches b WHERE b.project_id = ?
       ORDER BY b.position IS NULL, b.position, b.created_at DESC, b.id DESC`,
    )
    .all(projectId)
    .map(toBatch);
}

export function getBatch(db: Database, id: string): Batch {
  const row = db.prepare(`SELECT ${batchColumns} FROM batches b WHERE b.id = ?`).get(id);
  if (!row) throw new StillframeError('not-found', 'That batch no longer exists.');
  return toBatch(row);
}

export function findBatchByName(db: Database, projectId: string, name: string): Batch | null {
  const row = db
    .prepare(`SELECT ${batchColumns} FROM batches b WHERE b.project_id = ? AND b.name = ? COLLATE NOCASE`)
    .get(projectId, name.normalize('NFC').trim());
  return row ? toBatch(row) : null;
}

/** The name a new batch would get, or the reason it cannot: checked before an import uploads anything, and again as the batch is made. */
export function checkNewBatchName(db: Database, projectId: string, rawName: string): string {
  const name = validateBatchName(rawName);
  if (findBatchByName(db, projectId, name)) {
    throw new StillframeError('conflict', `This project already has a batch named “${name}”. Choose another name.`);
  }
  return name;
}

export function createBatch(db: Database, projectId: string, rawName: string): Batch {
  const id = uuidv7();
  transaction(db, () => {
    const name = checkNewBatchName(db, projectId, rawName);
    const taken = new Set(
      db
        .prepare('SELECT slug FROM batches WHERE project_id = ?')
        .all(projectId)
        .map((row) => String(row.slug)),
    );
    const now = Date.now();
    db.prepare('INSERT INTO batches (id, project_id, name, slug, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)').run(
      id,
      projectId,
      name,
      uniqueSlug(name, taken),
      now,
      now,
    );
    db.prepare('UPDATE projects SET updated_at = ? WHERE id = ?').run(now, projectId);
    recordChange(db, 'batch', id, 'upsert');
  });
  return getBatch(db, id);
}

export function renameBatch(db: Database, id: string, rawName: string): Batch {
  const name = validateBatchName(rawName);
  transaction(db, () => {
    const batch = getBatch(db, id);
    const clash = findBatchByName(db, batch.projectId, name);
    if (clash && clash.id !== id) {
      throw new StillframeError('conflict', `This project already has a batch named “${name}”. Choose another name.`);
    }
    db.prepare('UPDATE batches SET name = ?, updated_at = ? WHERE id = ?').run(name, Date.now(), id);
    recordChange(db, 'batch', id, 'upsert');
  });
  return getBatch(db, id);
}

/** Stores the person's own order of a project's batches (`batch_order`); every batch of the project must be named. */
export function reorderBatches(db: Database, projectId: string, orderedIds: readonly string[]): Batch[] {
  transaction(db, () => {
    const current = new Set(listBatches(db, projectId).map((batch) => batch.id));
    if (orderedIds.length !== current.size || !orderedIds.every((id) => current.has(id))) {
      throw new StillframeError('conflict', 'The batches changed while you were reordering them. Try again.');
    }
    const update = db.prepare('UPDATE batches SET position = ?, updated_at = ? WHERE id = ?');
    orderedIds.forEach((id, position) => {
      update.run(position, Date.now(), id);
      recordChange(db, 'batch', id, 'upsert');
    });
  });
  return listBatches(db, projectId);
}

/**
 * Deletes a batch with its videos and frames. Refused while any of its videos is still queued or extracting, and
 * while frames of its videos live on in other batches (they would be lost with the videos).
 */
export function deleteBatch(db: Database, paths: LibraryPaths, id: string): { frames: number } {
  const batch = getBatch(db, id);
  const removed = transaction(db, () => {
    if (batch.activeCount > 0) {
      throw new StillframeError(
        'busy',
        `“${batch.name}” still has ${batch.activeCount} video(s) waiting or extracting. Cancel them in the queue first, or wait until they finish.`,
      );
    }
    const elsewhere = db
      .prepare(
        `SELECT b.name, COUNT(*) AS n FROM frames f JOIN videos v ON v.id = f.video_id JOIN batches b ON b.id = f.batch_id
         WHERE v.batch_id = ? AND f.batch_id <> ? GROUP BY b.name`,
      )
      .all(id, id);
    if (elsewhere.length > 0) {
      const where = elsewhere.map((row) => `${Number(row.n)} in “${String(row.name)}”`).join(', ');
      throw new StillframeError(
        'conflict',
        `Some frames of this batch's videos were moved to other batches (${where}). Delete or move them back first, so they are not lost with their videos.`,
      );
    }
    const frames = batch.frameCount;
    db.prepare('DELETE FROM batches WHERE id = ?').run(id);
    recordChange(db, 'batch', id, 'delete');
    return frames;
  });
  rmSync(path.join(paths.frames, batch.projectId, batch.slug), { recursive: true, force: true });
  rmSync(path.join(paths.thumbs, batch.projectId, batch.slug), { recursive: true, force: true });
  return { frames: removed };
}
