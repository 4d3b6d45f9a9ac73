import type { Frame } from '../../shared/domain';
import { uuidv7 } from '../../shared/ids';
import { recordChange, type Database, type Row } from './database';

function toFrame(row: Row): Frame {
  return {
    id: String(row.id),
    videoId: String(row.video_id),
    batchId: String(row.batch_id),
    index: Number(row.frame_index),
    timestampMs: Number(row.timestamp_ms),
    width: Number(row.width),
    height: Number(row.height),
    path: String(row.path),
    thumbPath: String(row.thumb_path),
  };
}

export function listFrames(db: Database, batchId: string, offset: number, limit: number): { frames: Frame[]; total: number } {
  const frames = db
    .prepare(
      `SELECT f.* FROM frames f JOIN videos v ON v.id = f.video_id WHERE f.batch_id = ?
       ORDER BY v.created_at, v.id, f.frame_index LIMIT ? OFFSET ?`,
    )
    .all(batchId, limit, offset)
    .map(toFrame);
  const total = Number((db.prepare('SELECT COUNT(*) AS n FROM frames WHERE batch_id = ?').get(batchId) as Row).n);
  return { frames, total };
}

export interface FrameListing extends Frame {
  batchName: string;
  projectId: string;
}

/** Every frame of a project, optionally of one batch, for the CLI and exports. */
export function listProjectFrames(db: Database, projectId: string, batchId: string | null): FrameListing[] {
  return db
    .prepare(
      `SELECT f.*, b.name AS batch_name, b.project_id FROM frames f
       JOIN batches b ON b.id = f.batch_id JOIN videos v ON v.id = f.video_id
       WHERE b.project_id = ? AND (? IS NULL OR b.id = ?)
       ORDER BY b.created_at, v.created_at, v.id, f.frame_index`,
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
}

/** Call inside the transaction that completes the extraction job, so frames appear all at once or not at all. */
export function insertFrames(db: Database, videoId: string, batchId: string, frames: readonly NewFrame[]): void {
  const insert = db.prepare(
    `INSERT INTO frames (id, video_id, batch_id, frame_index, timestamp_ms, width, height, path, thumb_path, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const now = Date.now();
  for (const frame of frames) {
    const id = uuidv7(now);
    insert.run(id, videoId, batchId, frame.index, frame.timestampMs, frame.width, frame.height, frame.path, frame.thumbPath, now, now);
    recordChange(db, 'frame', id, 'upsert');
  }
}

export function deleteVideoFrames(db: Database, videoId: string): void {
  const ids = db.prepare('SELECT id FROM frames WHERE video_id = ?').all(videoId);
  db.prepare('DELETE FROM frames WHERE video_id = ?').run(videoId);
  for (const row of ids) recordChange(db, 'frame', String(row.id), 'delete');
}
