import type { Video, VideoStatus } from '../../shared/domain';
import { appErrorSchema } from '../../shared/error-schema';
import { StillframeError, type AppErrorData } from '../../shared/errors';
import type { VideoProbe } from '../media/probe';
import { preparedOnce, recordChange, transaction, type Database, type Row } from './database';

const videoColumns = `
  v.*,
  (SELECT COUNT(*) FROM frames f WHERE f.video_id = v.id AND f.deleted_at IS NULL) AS frame_count,
  (SELECT j.id FROM jobs j WHERE j.video_id = v.id ORDER BY j.created_at DESC LIMIT 1) AS job_id,
  (SELECT j.processing_progress FROM jobs j WHERE j.video_id = v.id ORDER BY j.created_at DESC LIMIT 1) AS progress,
  (SELECT j.notice FROM jobs j WHERE j.video_id = v.id ORDER BY j.created_at DESC LIMIT 1) AS notice,
  (SELECT CASE WHEN j.status = 'failed' THEN j.attempts + 1 END FROM jobs j WHERE j.video_id = v.id ORDER BY j.created_at DESC LIMIT 1)
    AS retry_attempt,
  (SELECT j.max_attempts FROM jobs j WHERE j.video_id = v.id ORDER BY j.created_at DESC LIMIT 1) AS max_attempts`;

export function parseStoredError(value: unknown): AppErrorData | null {
  if (value == null) return null;
  const parsed = appErrorSchema.safeParse(JSON.parse(String(value)));
  return parsed.success ? parsed.data : { code: 'internal', message: String(value) };
}

function nullableNumber(value: unknown): number | null {
  return value == null ? null : Number(value);
}

function toVideo(row: Row): Video {
  return {
    id: String(row.id),
    projectId: String(row.project_id),
    batchId: String(row.batch_id),
    name: String(row.name),
    sourceType: row.source_type === 'loom' ? 'loom' : 'file',
    sourcePath: String(row.source_path),
    sizeBytes: Number(row.size_bytes),
    contentHash: String(row.content_hash),
    status: String(row.status) as VideoStatus,
    error: parseStoredError(row.error),
    progress: row.status === 'done' ? 1 : Number(row.progress ?? 0),
    notice: row.notice == null ? null : String(row.notice),
    retry: row.retry_attempt == null ? null : { attempt: Number(row.retry_attempt), of: Number(row.max_attempts) },
    durationMs: nullableNumber(row.duration_ms),
    width: nullableNumber(row.width),
    height: nullableNumber(row.height),
    frameRate: nullableNumber(row.frame_rate),
    codec: row.codec == null ? null : String(row.codec),
    rotation: nullableNumber(row.rotation),
    frameCount: Number(row.frame_count),
    jobId: row.job_id == null ? null : String(row.job_id),
    createdAt: Number(row.created_at),
  };
}

export function listVideos(db: Database, batchId: string): Video[] {
  return db
    .prepare(`SELECT ${videoColumns} FROM videos v WHERE v.batch_id = ? ORDER BY v.created_at, v.id`)
    .all(batchId)
    .map(toVideo);
}

export function getVideo(db: Database, id: string): Video {
  const row = db.prepare(`SELECT ${videoColumns} FROM videos v WHERE v.id = ?`).get(id);
  if (!row) throw new StillframeError('not-found', 'That video no longer exists.');
  return toVideo(row);
}

export function findVideoByHash(db: Database, batchId: string, contentHash: string): string | null {
  const row = db.prepare('SELECT id FROM videos WHERE batch_id = ? AND content_hash = ? LIMIT 1').get(batchId, contentHash);
  return row ? String(row.id) : null;
}

export interface NewVideo {
  id: string;
  projectId: string;
  batchId: string;
  name: string;
  sourceType?: 'file' | 'loom';
  sourcePath: string;
  sourceUrl?: string;
  sourceMetadata?: Record<string, unknown>;
  sizeBytes: number;
  contentHash: string;
  status: VideoStatus;
  error: AppErrorData | null;
  probe: VideoProbe | null;
}

export function insertVideo(db: Database, video: NewVideo): void {
  const now = Date.now();
  db.prepare(
    `INSERT INTO videos (id, project_id, batch_id, name, source_type, source_path, source_url, source_metadata, size_bytes,
       content_hash, status, error, duration_ms, width, height, frame_rate, codec, rotation, probe, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    video.id,
    video.projectId,
    video.batchId,
    video.name,
    video.sourceType ?? 'file',
    video.sourcePath,
    video.sourceUrl ?? null,
    video.sourceMetadata ? JSON.stringify(video.sourceMetadata) : null,
    video.sizeBytes,
    video.contentHash,
    video.status,
    video.error ? JSON.stringify(video.error) : null,
    video.probe?.durationMs ?? null,
    video.probe?.width ?? null,
    video.probe?.height ?? null,
    video.probe?.frameRate ?? null,
    video.probe?.codec ?? null,
    video.probe?.rotation ?? null,
    video.probe ? JSON.stringify(video.probe) : null,
    now,
    now,
  );
  recordChange(db, 'video', video.id, 'upsert');
}

/**
 * Removes a video that never became frames (not a video, gone, cancelled, dead) with its jobs. One that has frames,
 * or whose job is still waiting or running, stays: those are removed with their batch, or cancelled first.
 */
export function deleteFailedVideo(db: Database, id: string): Video {
  return transaction(db, () => {
    const video = getVideo(db, id);
    if (video.status !== 'failed' && video.status !== 'cancelled') {
      throw new StillframeError('conflict', `“${video.name}” is ${video.status}; only a failed or cancelled video can be removed.`);
    }
    const frames = db.prepare('SELECT COUNT(*) AS n FROM frames WHERE video_id = ?').get(id) as Row;
    if (Number(frames.n) > 0) {
      throw new StillframeError('conflict', `“${video.name}” has frames; delete them, or its batch, instead.`);
    }
    db.prepare('DELETE FROM videos WHERE id = ?').run(id);
    recordChange(db, 'video', id, 'delete');
    return video;
  });
}

export function setVideoStatus(db: Database, id: string, status: VideoStatus, error: AppErrorData | null): void {
  preparedOnce(db, 'UPDATE videos SET status = ?, error = ?, updated_at = ? WHERE id = ?').run(
    status,
    error ? JSON.stringify(error) : null,
    Date.now(),
    id,
  );
  recordChange(db, 'video', id, 'upsert');
}

export interface VideoLocation {
  id: string;
  projectId: string;
  batchId: string;
  batchSlug: string;
  sourceType: 'file' | 'loom';
  sourcePath: string;
  contentHash: string;
  probe: string | null;
}

export function getVideoLocation(db: Database, id: string): VideoLocation {
  const row = db
    .prepare(
      `SELECT v.id, v.project_id, v.batch_id, b.slug, v.source_type, v.source_path, v.content_hash, v.probe
       FROM videos v JOIN batches b ON b.id = v.batch_id WHERE v.id = ?`,
    )
    .get(id);
  if (!row) throw new StillframeError('not-found', 'That video no longer exists.');
  return {
    id: String(row.id),
    projectId: String(row.project_id),
    batchId: String(row.batch_id),
    batchSlug: String(row.slug),
    sourceType: row.source_type === 'loom' ? 'loom' : 'file',
    sourcePath: String(row.source_path),
    contentHash: String(row.content_hash),
    probe: row.probe == null ? null : String(row.probe),
  };
}

/** A downloaded video is probed only once it is here; its size, duration and resolution are then recorded. */
export function recordProbe(db: Database, id: string, probe: VideoProbe, sizeBytes: number): void {
  db.prepare(
    `UPDATE videos SET probe = ?, duration_ms = ?, width = ?, height = ?, frame_rate = ?, codec = ?, rotation = ?, size_bytes = ?,
       updated_at = ? WHERE id = ?`,
  ).run(JSON.stringify(probe), probe.durationMs, probe.width, probe.height, probe.frameRate, probe.codec, probe.rotation, sizeBytes, Date.now(), id);
  recordChange(db, 'video', id, 'upsert');
}
