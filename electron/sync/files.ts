import { createReadStream, existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { SupabaseClient } from '@supabase/supabase-js';
import { uuidv7 } from '../../shared/ids';
import { preparedOnce, type Database, type Row } from '../library/database';
import { recordFrameFileSize } from '../library/frame-sizes';
import type { LibraryPaths } from '../library/paths';
import { storagePathOf, thumbStoragePathOf } from './tables';

export const frameBucket = 'frames';

/** How many files go up or come down at once. */
export const fileConcurrency = 12;

/** A new frame's image and thumbnail wait to go up; their object paths are fixed now, whatever later moves the frame. */
export function recordUploadsFor(db: Database, frame: Row, projectId: string): void {
  const insert = preparedOnce(db, 
    `INSERT INTO sync_files (frame_id, kind, project_id, storage_path, local_path, state, updated_at) VALUES (?, ?, ?, ?, ?, 'pending', ?)
     ON CONFLICT (frame_id, kind) DO NOTHING`,
  );
  const now = Date.now();
  insert.run(String(frame.id), 'image', projectId, storagePathOf(String(frame.path)), String(frame.path), now);
  insert.run(String(frame.id), 'thumb', projectId, thumbStoragePathOf(String(frame.thumb_path)), String(frame.thumb_path), now);
}

/** A pulled frame's files are in Storage, not here: the thumbnail comes down with the sync, the image when opened. */
export function recordRemoteFiles(db: Database, frameId: string, projectId: string, files: { image: [string, string]; thumb: [string, string] }): void {
  const insert = preparedOnce(db, 
    `INSERT INTO sync_files (frame_id, kind, project_id, storage_path, local_path, state, updated_at) VALUES (?, ?, ?, ?, ?, 'remote', ?)
     ON CONFLICT (frame_id, kind) DO NOTHING`,
  );
  const now = Date.now();
  insert.run(frameId, 'image', projectId, files.image[0], files.image[1], now);
  insert.run(frameId, 'thumb', projectId, files.thumb[0], files.thumb[1], now);
}

function setState(db: Database, frameId: string, kind: string, state: string, error: string | null): void {
  preparedOnce(db, 'UPDATE sync_files SET state = ?, error = ?, updated_at = ? WHERE frame_id = ? AND kind = ?').run(state, error, Date.now(), frameId, kind);
}

/** Storage answers 409 (or 400 with statusCode "409" on older servers) when the object is there already. */
function alreadyThere(error: unknown): boolean {
  const e = error as { statusCode?: string | number; status?: number; message?: string };
  return String(e.statusCode) === '409' || e.status === 409 || /already exists|duplicate/i.test(e.message ?? '');
}

async function runPool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

export interface FileProgress {
  done: number;
  total: number;
}

/**
 * Uploads the waiting files of these projects, several at a time, each streamed from disk. A file is recorded as
 * uploaded only once Storage has answered that it has the whole object (or already had it); one interrupted midway
 * stays pending or uploading, and either is sent again next time.
 */
export async function uploadPendingFiles(
  client: SupabaseClient,
  db: Database,
  paths: LibraryPaths,
  projectIds: readonly string[],
  onProgress: (progress: FileProgress) => void = () => undefined,
): Promise<{ uploaded: number; failed: number }> {
  if (projectIds.length === 0) return { uploaded: 0, failed: 0 };
  const marks = projectIds.map(() => '?').join(', ');
  const files = db
    // A thumbnail the import's thumbnail pass has not made yet is still the full image: it goes up once made.
    .prepare(
      `SELECT frame_id, kind, storage_path, local_path FROM sync_files WHERE project_id IN (${marks}) AND state IN ('pending', 'uploading', 'failed')
         AND NOT (kind = 'thumb' AND frame_id IN (SELECT frame_id FROM pending_thumbnails)) ORDER BY kind DESC, frame_id`,
    )
    .all(...projectIds);
  let uploaded = 0;
  let failed = 0;
  await runPool(files, fileConcurrency, async (file) => {
    const frameId = String(file.frame_id);
    const kind = String(file.kind);
    const absolute = path.join(paths.root, String(file.local_path));
    if (!existsSync(absolute)) {
      setState(db, frameId, kind, 'failed', 'The file is no longer in the library.');
      failed++;
      return;
    }
    setState(db, frameId, kind, 'uploading', null);
    const body = Readable.toWeb(createReadStream(absolute)) as ReadableStream;
    const { error } = await client.storage
      .from(frameBucket)
      .upload(String(file.storage_path), body, { contentType: 'image/jpeg', upsert: false, duplex: 'half', headers: { 'content-length': String(statSync(absolute).size) } });
    if (error && !alreadyThere(error)) {
      setState(db, frameId, kind, 'failed', error.message);
      failed++;
    } else {
      setState(db, frameId, kind, 'uploaded', null);
      uploaded++;
    }
    onProgress({ done: uploaded + failed, total: files.length });
  });
  return { uploaded, failed };
}

/** Downloads one object into the library through tmp/, so a cut-off download never leaves half a file in place. */
export async function downloadFile(client: SupabaseClient, paths: LibraryPaths, storagePath: string, localPath: string): Promise<number | null> {
  const { data, error } = await client.storage.from(frameBucket).download(storagePath);
  if (error || !data) return null;
  const target = path.join(paths.root, localPath);
  const temp = path.join(paths.tmp, `download-${uuidv7()}`);
  const bytes = Buffer.from(await data.arrayBuffer());
  writeFileSync(temp, bytes);
  mkdirSync(path.dirname(target), { recursive: true });
  renameSync(temp, target);
  return bytes.length;
}

/**
 * Thumbnails of pulled frames, several at a time; a downloaded file is then marked as both here and in Storage, and
 * `onArrived` hears its project and library path.
 */
export async function downloadRemoteThumbnails(
  client: SupabaseClient,
  db: Database,
  paths: LibraryPaths,
  projectIds: readonly string[],
  onArrived: (projectId: string, thumbPath: string) => void = () => undefined,
): Promise<number> {
  if (projectIds.length === 0) return 0;
  const marks = projectIds.map(() => '?').join(', ');
  const files = db
    .prepare(`SELECT frame_id, project_id, storage_path, local_path FROM sync_files WHERE project_id IN (${marks}) AND kind = 'thumb' AND state = 'remote'`)
    .all(...projectIds);
  let downloaded = 0;
  await runPool(files, fileConcurrency, async (file) => {
    const bytes = await downloadFile(client, paths, String(file.storage_path), String(file.local_path));
    if (bytes !== null) {
      recordFrameFileSize(db, String(file.frame_id), 'thumb', bytes);
      setState(db, String(file.frame_id), 'thumb', 'uploaded', null);
      downloaded++;
      onArrived(String(file.project_id), String(file.local_path));
    }
  });
  return downloaded;
}

/** A pulled frame's full image, fetched the first time someone opens it. */
export async function downloadFrameImage(client: SupabaseClient, db: Database, paths: LibraryPaths, frameId: string): Promise<boolean> {
  const file = preparedOnce(db, `SELECT storage_path, local_path FROM sync_files WHERE frame_id = ? AND kind = 'image' AND state = 'remote'`).get(frameId);
  if (!file) return false;
  const bytes = await downloadFile(client, paths, String(file.storage_path), String(file.local_path));
  if (bytes === null) return false;
  recordFrameFileSize(db, frameId, 'image', bytes);
  setState(db, frameId, 'image', 'uploaded', null);
  return true;
}

/** Files still to go up, per project. */
export function filesWaiting(db: Database): Map<string, number> {
  const rows = preparedOnce(db, `SELECT project_id, COUNT(*) AS n FROM sync_files WHERE state IN ('pending', 'uploading', 'failed') GROUP BY project_id`).all();
  return new Map(rows.map((row) => [String(row.project_id), Number(row.n)]));
}
