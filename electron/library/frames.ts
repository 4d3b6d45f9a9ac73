import { copyFileSync, linkSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Frame } from '../../shared/domain';
import { StillframeError } from '../../shared/errors';
import { uuidv7 } from '../../shared/ids';
import { getBatch } from './batches';
import { recordChange, transaction, type Database, type Row } from './database';
import { deletedFrameCount, liveFrameCount } from './frame-counts';
import type { LibraryPaths } from './paths';

const frameColumns = 'f.id, f.video_id, f.batch_id, f.frame_index, f.timestamp_ms, f.width, f.height, f.path, f.thumb_path';

function toFrame(row: Row): Frame {
  return {
    id: String(row.id),
    videoId: String(row.video_id),
    videoName: String(row.video_name),
    batchId: String(row.batch_id),
    index: Number(row.frame_index),
    timestampMs: Number(row.timestamp_ms),
    width: Number(row.width),
    height: Number(row.height),
    path: String(row.path),
    thumbPath: String(row.thumb_path),
  };
}

/** Where a page of frames starts: after this frame of the batch's order (video, then index), not at a count. */
export interface FrameCursor {
  videoId: string;
  index: number;
}

/**
 * A page of a batch's frames. With `after`, the page starts right behind that frame (keyset paging): the
 * (batch, video, index) index seeks straight to it, so the 40th page of a 100,000-frame batch costs what the
 * first does. Without it, the page starts at `offset`, a position in the batch (the page at a scroll position):
 * the steps to it are taken in that index alone, never reading the frames before it, unless the batch has deleted
 * frames waiting to be purged, which only the rows themselves can tell apart.
 */
export function listFrames(
  db: Database,
  batchId: string,
  offset: number,
  limit: number,
  after?: FrameCursor,
): { frames: Frame[]; total: number } {
  const counts = db
    .prepare(`SELECT ${liveFrameCount('$batch')} AS live, ${deletedFrameCount('$batch')} AS deleted`)
    .get({ batch: batchId }) as Row;
  const total = Number(counts.live);
  const deleted = Number(counts.deleted);
  // Video ids are UUIDv7, so ordering by them is import order, and the (batch, video, index) index serves the
  // whole ORDER BY without a sort.
  const select = `SELECT ${frameColumns}, v.name AS video_name FROM frames f JOIN videos v ON v.id = f.video_id`;
  const order = 'ORDER BY f.video_id, f.frame_index';
  const rows = after
    ? db
        .prepare(`${select} WHERE f.batch_id = ? AND f.deleted_at IS NULL AND (f.video_id, f.frame_index) > (?, ?) ${order} LIMIT ?`)
        .all(batchId, after.videoId, after.index, limit)
    : deleted === 0
      ? db
          .prepare(`${select} WHERE f.rowid IN (SELECT rowid FROM frames WHERE batch_id = ? ORDER BY video_id, frame_index LIMIT ? OFFSET ?) ${order}`)
          .all(batchId, limit, offset)
      : db.prepare(`${select} WHERE f.batch_id = ? AND f.deleted_at IS NULL ${order} LIMIT ? OFFSET ?`).all(batchId, limit, offset);
  return { frames: rows.map(toFrame), total };
}

export function getFrame(db: Database, id: string): Frame {
  const row = db
    .prepare('SELECT f.*, v.name AS video_name FROM frames f JOIN videos v ON v.id = f.video_id WHERE f.id = ? AND f.deleted_at IS NULL')
    .get(id);
  if (!row) throw new StillframeError('not-found', 'That frame no longer exists.');
  return toFrame(row);
}

export interface FrameListing extends Frame {
  batchName: string;
  projectId: string;
}

/** Every frame of a project, optionally of one batch, for the CLI and exports. */
export function listProjectFrames(db: Database, projectId: string, batchId: string | null): FrameListing[] {
  return db
    .prepare(
      `SELECT f.*, v.name AS video_name, b.name AS batch_name, b.project_id FROM frames f
       JOIN batches b ON b.id = f.batch_id JOIN videos v ON v.id = f.video_id
       WHERE b.project_id = ? AND (? IS NULL OR b.id = ?) AND f.deleted_at IS NULL
       ORDER BY b.created_at, f.video_id, f.frame_index`,
    )
    .all(projectId, batchId, batchId)
    .map((row) => ({ ...toFrame(row), batchName: String(row.batch_name), projectId: String(row.project_id) }));
}

export interface NewFrame {
  index: number;
  timestampMs: number;
  width: number;
  height: number;
  path: string;
  thumbPath: string;
  /** The files' sizes as written, for the storage figure; left out, they are measured the first time it is asked for. */
  bytes?: number;
  thumbBytes?: number;
}

/** Call inside the transaction that completes the extraction job, so frames appear all at once or not at all. */
export function insertFrames(db: Database, videoId: string, batchId: string, frames: readonly NewFrame[]): void {
  const insert = db.prepare(
    `INSERT INTO frames (id, video_id, batch_id, frame_index, timestamp_ms, width, height, path, thumb_path, created_at, updated_at, file_bytes, thumb_bytes)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const now = Date.now();
  for (const frame of frames) {
    const id = uuidv7(now);
    insert.run(
      id, videoId, batchId, frame.index, frame.timestampMs, frame.width, frame.height, frame.path, frame.thumbPath, now, now,
      frame.bytes ?? null, frame.thumbBytes ?? null,
    );
    recordChange(db, 'frame', id, 'upsert');
  }
}

export function deleteVideoFrames(db: Database, videoId: string): void {
  const ids = db.prepare('SELECT id FROM frames WHERE video_id = ?').all(videoId);
  db.prepare('DELETE FROM frames WHERE video_id = ?').run(videoId);
  for (const row of ids) recordChange(db, 'frame', String(row.id), 'delete');
}

function existingFrames(db: Database, ids: readonly string[]): Row[] {
  const select = db.prepare('SELECT * FROM frames WHERE id = ?');
  return ids.map((id) => {
    const row = select.get(id);
    if (!row) throw new StillframeError('not-found', 'Some of those frames no longer exist.');
    return row;
  });
}

/**
 * Deleting frames hides them at once and keeps their files, so Undo is instant; `purgeDeletedFrames` removes
 * them for good when the person moves on (their next action, or the next start).
 */
export function softDeleteFrames(db: Database, ids: readonly string[]): { batchIds: string[] } {
  return transaction(db, () => {
    const rows = existingFrames(db, ids);
    const now = Date.now();
    const mark = db.prepare('UPDATE frames SET deleted_at = ?, updated_at = ? WHERE id = ?');
    for (const row of rows) mark.run(now, now, String(row.id));
    return { batchIds: [...new Set(rows.map((row) => String(row.batch_id)))] };
  });
}

export function restoreFrames(db: Database, ids: readonly string[]): { batchIds: string[] } {
  return transaction(db, () => {
    const rows = existingFrames(db, ids);
    const unmark = db.prepare('UPDATE frames SET deleted_at = NULL, updated_at = ? WHERE id = ?');
    for (const row of rows) unmark.run(Date.now(), String(row.id));
    return { batchIds: [...new Set(rows.map((row) => String(row.batch_id)))] };
  });
}

/** Removes deleted frames' rows, then their files: a crash in between leaves orphan files, never broken rows. */
export function purgeDeletedFrames(db: Database, paths: LibraryPaths): number {
  const rows = transaction(db, () => {
    const gone = db.prepare('SELECT id, path, thumb_path FROM frames WHERE deleted_at IS NOT NULL').all();
    db.prepare('DELETE FROM frames WHERE deleted_at IS NOT NULL').run();
    for (const row of gone) recordChange(db, 'frame', String(row.id), 'delete');
    return gone;
  });
  for (const row of rows) {
    rmSync(path.join(paths.root, String(row.path)), { force: true });
    rmSync(path.join(paths.root, String(row.thumb_path)), { force: true });
  }
  return rows.length;
}

/** Hard link where the file system allows (instant, no extra space), else a copy. */
function placeFile(from: string, to: string): void {
  mkdirSync(path.dirname(to), { recursive: true });
  rmSync(to, { force: true });
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
  }
}

/**
 * Moves frames (rows and files) into another batch of the same project. Files are first linked at their new
 * place, then the rows are switched in one transaction, then the old names removed: a failure or a crash at any
 * step leaves every frame whole at its old or its new place, never lost.
 */
export function moveFrames(db: Database, paths: LibraryPaths, ids: readonly string[], toBatchId: string): { fromBatchIds: string[] } {
  const target = getBatch(db, toBatchId);
  const rows = existingFrames(db, ids);
  if (rows.length === 0) throw new StillframeError('invalid-input', 'Select the frames to move first.');
  const sources = new Set(rows.map((row) => String(row.batch_id)));
  if (sources.size === 1 && sources.has(toBatchId)) {
    throw new StillframeError('invalid-input', `These frames are already in “${target.name}”.`);
  }
  for (const batchId of sources) {
    if (getBatch(db, batchId).projectId !== target.projectId) {
      throw new StillframeError('invalid-input', 'Frames can only move between batches of the same project.');
    }
  }
  const moving = rows.filter((row) => String(row.batch_id) !== toBatchId);
  const plans = moving.map((row) => {
    const relocate = (relative: string) => {
      const parts = relative.split('/');
      // <root>/<project>/<batch slug>/<video>/<file>: only the batch folder changes.
      parts[2] = target.slug;
      return parts.join('/');
    };
    return { row, path: relocate(String(row.path)), thumb: relocate(String(row.thumb_path)) };
  });
  const placed: string[] = [];
  try {
    for (const plan of plans) {
      placeFile(path.join(paths.root, String(plan.row.path)), path.join(paths.root, plan.path));
      placed.push(plan.path);
      placeFile(path.join(paths.root, String(plan.row.thumb_path)), path.join(paths.root, plan.thumb));
      placed.push(plan.thumb);
    }
    transaction(db, () => {
      const update = db.prepare('UPDATE frames SET batch_id = ?, path = ?, thumb_path = ?, updated_at = ? WHERE id = ?');
      for (const plan of plans) {
        update.run(toBatchId, plan.path, plan.thumb, Date.now(), String(plan.row.id));
        recordChange(db, 'frame', String(plan.row.id), 'upsert');
      }
    });
  } catch (error) {
    for (const file of placed) rmSync(path.join(paths.root, file), { force: true });
    throw error;
  }
  for (const plan of plans) {
    rmSync(path.join(paths.root, String(plan.row.path)), { force: true });
    rmSync(path.join(paths.root, String(plan.row.thumb_path)), { force: true });
  }
  return { fromBatchIds: [...sources] };
}
