import type { LeftOutReason } from '../../shared/frame-selection';
import { uuidv7 } from '../../shared/ids';
import type { LeftOutCounts, LeftOutFrame } from '../../shared/selection-contract';
import type { Database, Row } from './database';

export interface NewLeftOutFrame {
  index: number;
  timestampMs: number;
  reason: LeftOutReason;
  thumbPath: string;
}

/** Call inside the transaction that commits the video's frames, replacing what an earlier attempt recorded. */
export function recordLeftOutFrames(db: Database, videoId: string, batchId: string, frames: readonly NewLeftOutFrame[]): void {
  db.prepare('DELETE FROM left_out_frames WHERE video_id = ?').run(videoId);
  const insert = db.prepare(
    `INSERT INTO left_out_frames (id, video_id, batch_id, frame_index, timestamp_ms, reason, thumb_path, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const now = Date.now();
  for (const frame of frames) insert.run(uuidv7(now), videoId, batchId, frame.index, frame.timestampMs, frame.reason, frame.thumbPath, now);
}

/** Still left out: never brought back, or brought back and then deleted again (Undo). */
const stillLeftOut = `(l.restored_frame_id IS NULL OR NOT EXISTS (
  SELECT 1 FROM frames f WHERE f.id = l.restored_frame_id AND f.deleted_at IS NULL))`;

function toLeftOut(row: Row): LeftOutFrame {
  return {
    id: String(row.id),
    videoId: String(row.video_id),
    videoName: String(row.video_name),
    batchId: String(row.batch_id),
    index: Number(row.frame_index),
    timestampMs: Number(row.timestamp_ms),
    reason: String(row.reason) as LeftOutReason,
    thumbPath: String(row.thumb_path),
  };
}

export function listLeftOutFrames(db: Database, batchIds: readonly string[]): LeftOutFrame[] {
  if (batchIds.length === 0) return [];
  return db
    .prepare(
      `SELECT l.*, v.name AS video_name FROM left_out_frames l JOIN videos v ON v.id = l.video_id
       WHERE l.batch_id IN (${batchIds.map(() => '?').join(',')}) AND ${stillLeftOut}
       ORDER BY l.video_id, l.frame_index`,
    )
    .all(...batchIds)
    .map(toLeftOut);
}

export function getLeftOutFrames(db: Database, ids: readonly string[]): (LeftOutFrame & { restoredFrameId: string | null })[] {
  const select = db.prepare('SELECT l.*, v.name AS video_name FROM left_out_frames l JOIN videos v ON v.id = l.video_id WHERE l.id = ?');
  return ids.flatMap((id) => {
    const row = select.get(id);
    return row ? [{ ...toLeftOut(row), restoredFrameId: row.restored_frame_id == null ? null : String(row.restored_frame_id) }] : [];
  });
}

export function markBroughtBack(db: Database, id: string, frameId: string): void {
  db.prepare('UPDATE left_out_frames SET restored_frame_id = ? WHERE id = ?').run(frameId, id);
}

export function countLeftOut(frames: readonly Pick<LeftOutFrame, 'reason'>[]): LeftOutCounts {
  const counts: LeftOutCounts = { duplicate: 0, blurry: 0, 'not-picked': 0 };
  for (const frame of frames) counts[frame.reason]++;
  return counts;
}
