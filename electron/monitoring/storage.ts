import { existsSync, lstatSync, readdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { CleanupItem, StorageUsage } from '../../shared/monitoring-contract';
import { StillframeError } from '../../shared/errors';
import { recordChange, transaction, type Database, type Row } from '../library/database';
import { deleteBatch } from '../library/batches';
import { measureFiles, measureUnsizedFrames } from '../library/frame-sizes';
import { toLibraryRelative, type LibraryPaths } from '../library/paths';
import { uploadsFolder } from '../library/uploads';

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** Every file under `dir` (symbolic links are not followed) with its size. */
function walk(dir: string, onFile: (file: string, bytes: number) => void): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, onFile);
    else if (entry.isFile()) onFile(full, lstatSync(full).size);
  }
}

function folderBytes(dir: string): number {
  let total = 0;
  walk(dir, (_, bytes) => (total += bytes));
  return total;
}

function databaseBytes(paths: LibraryPaths): number {
  return ['', '-wal', '-shm'].reduce((sum, suffix) => sum + fileSize(paths.database + suffix), 0);
}

function isUpload(paths: LibraryPaths, file: string): boolean {
  const rel = path.relative(uploadsFolder(paths), file);
  return !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** Uploaded source copies of a batch's videos: a few files per batch, so reading their sizes costs nothing to speak of. */
async function sourceBytesOf(db: Database, paths: LibraryPaths, batchId: string): Promise<number> {
  const sources = db
    .prepare('SELECT source_path FROM videos WHERE batch_id = ?')
    .all(batchId)
    .map((row) => String(row.source_path))
    .filter((file) => isUpload(paths, file));
  return (await measureFiles(sources)).reduce((sum, bytes) => sum + bytes, 0);
}

/**
 * A project's space per batch, summed from the frame sizes recorded when the files were written: opening a project of
 * 100,000 frames reads no frame file. Frames never measured (an older library, an import) are measured first, once.
 */
async function projectUsage(db: Database, paths: LibraryPaths, project: Row) {
  await measureUnsizedFrames(db, paths, String(project.id));
  // The totals the frames' triggers keep per batch (a hidden frame's files still take space until it is purged).
  const batchRows = db
    .prepare(
      `SELECT b.id, b.name, COALESCE(c.live, 0) AS frames, COALESCE(c.file_bytes, 0) AS frame_bytes, COALESCE(c.thumb_bytes, 0) AS thumb_bytes
       FROM batches b LEFT JOIN batch_frame_counts c ON c.batch_id = b.id
       WHERE b.project_id = ? ORDER BY b.position, b.created_at`,
    )
    .all(String(project.id));
  const batches = [];
  for (const batch of batchRows) {
    const frameBytes = Number(batch.frame_bytes);
    const thumbnailBytes = Number(batch.thumb_bytes);
    const sourceBytes = await sourceBytesOf(db, paths, String(batch.id));
    batches.push({
      id: String(batch.id),
      name: String(batch.name),
      bytes: frameBytes + thumbnailBytes + sourceBytes,
      frames: Number(batch.frames),
      frameBytes,
      thumbnailBytes,
      sourceBytes,
    });
  }
  return {
    id: String(project.id),
    name: String(project.name),
    bytes: batches.reduce((sum, batch) => sum + batch.bytes, 0),
    batches,
  };
}

export async function projectStorage(db: Database, paths: LibraryPaths, projectId: string) {
  const project = db.prepare('SELECT id, name FROM projects WHERE id = ?').get(projectId) as Row | undefined;
  if (!project) throw new StillframeError('not-found', 'That project no longer exists.');
  return projectUsage(db, paths, project);
}

/** Space per project and batch (frames, thumbnails, uploaded source copies), temporary files and the database. */
export async function storageUsage(db: Database, paths: LibraryPaths): Promise<StorageUsage> {
  const projects = db.prepare('SELECT id, name FROM projects ORDER BY name COLLATE NOCASE').all();
  const result = [];
  for (const project of projects) result.push(await projectUsage(db, paths, project));
  const tmpBytes = folderBytes(paths.tmp);
  const dbBytes = databaseBytes(paths);
  return {
    projects: result,
    tmpBytes,
    databaseBytes: dbBytes,
    // Everything in the library folder, so files no project accounts for (orphans, refused uploads) count too.
    totalBytes: folderBytes(paths.root),
  };
}

/** Videos whose job is not over: their folders, sources and frames are never touched by a clean-up. */
function busyVideoIds(db: Database): Set<string> {
  return new Set(
    db
      .prepare(`SELECT video_id FROM jobs WHERE status IN ('pending', 'processing', 'failed')`)
      .all()
      .map((row) => String(row.video_id)),
  );
}

interface Removal extends CleanupItem {
  remove(): void;
}

/** Removes now-empty folders from `dir` up to (not including) `stop`. */
function pruneEmptyFolders(dir: string, stop: string): void {
  for (let current = dir; current.startsWith(stop + path.sep); current = path.dirname(current)) {
    try {
      rmdirSync(current);
    } catch {
      return;
    }
  }
}

/**
 * What a clean-up would remove and the space each frees. Never listed: a frame's file, a frame with shapes, anything of
 * a video still queued or extracting, or an upload a video still needs to be extracted from.
 */
function plan(db: Database, paths: LibraryPaths): Removal[] {
  const busy = busyVideoIds(db);
  const items: Removal[] = [];

  const emptyBatches = db
    .prepare(
      `SELECT b.id, b.name, p.name AS project FROM batches b JOIN projects p ON p.id = b.project_id
       WHERE NOT EXISTS (SELECT 1 FROM videos v WHERE v.batch_id = b.id) AND NOT EXISTS (SELECT 1 FROM frames f WHERE f.batch_id = b.id)`,
    )
    .all();
  for (const batch of emptyBatches) {
    items.push({
      id: `empty-batch:${String(batch.id)}`,
      kind: 'empty-batch',
      description: `Empty batch “${String(batch.name)}” in “${String(batch.project)}”`,
      bytes: 0,
      remove: () => void deleteBatch(db, paths, String(batch.id)),
    });
  }

  const referenced = new Set<string>();
  for (const row of db.prepare('SELECT path, thumb_path FROM frames').all()) {
    referenced.add(String(row.path));
    referenced.add(String(row.thumb_path));
  }
  for (const top of [paths.frames, paths.thumbs]) {
    walk(top, (file, bytes) => {
      const rel = toLibraryRelative(paths.root, file);
      // <frames|thumbs>/<project>/<batch>/<video>/<file>
      const videoId = rel.split('/')[3];
      if (referenced.has(rel) || (videoId !== undefined && busy.has(videoId))) return;
      items.push({
        id: `orphan-file:${rel}`,
        kind: 'orphan-file',
        description: `${rel}: no frame refers to this file`,
        bytes,
        remove: () => {
          rmSync(file, { force: true });
          pruneEmptyFolders(path.dirname(file), top);
        },
      });
    });
  }

  const rowsWithoutFile = db
    .prepare(
      `SELECT f.id, f.path, f.thumb_path, f.video_id, f.frame_index, v.name AS video FROM frames f JOIN videos v ON v.id = f.video_id
       WHERE NOT EXISTS (SELECT 1 FROM shapes s WHERE s.frame_id = f.id)`,
    )
    .all()
    .filter((row) => !busy.has(String(row.video_id)) && !existsSync(path.join(paths.root, String(row.path))));
  for (const row of rowsWithoutFile) {
    const thumb = path.join(paths.root, String(row.thumb_path));
    items.push({
      id: `missing-file:${String(row.id)}`,
      kind: 'missing-file',
      description: `Frame ${Number(row.frame_index)} of “${String(row.video)}”: its image file is gone`,
      bytes: fileSize(thumb),
      remove: () => {
        transaction(db, () => {
          db.prepare('DELETE FROM frames WHERE id = ?').run(String(row.id));
          recordChange(db, 'frame', String(row.id), 'delete');
        });
        rmSync(thumb, { force: true });
      },
    });
  }

  let uploads: string[];
  try {
    uploads = readdirSync(uploadsFolder(paths));
  } catch {
    uploads = [];
  }
  const usersOf = db.prepare('SELECT id, status FROM videos WHERE source_path = ?');
  for (const folder of uploads) {
    const dir = path.join(uploadsFolder(paths), folder);
    let files: string[];
    try {
      files = readdirSync(dir).map((name) => path.join(dir, name));
    } catch {
      continue;
    }
    const users = files.flatMap((file) => usersOf.all(file) as Row[]);
    // Only copies every video has been extracted from; an upload no video uses is the browser host's to remove.
    if (users.length === 0 || users.some((video) => video.status !== 'done' || busy.has(String(video.id)))) continue;
    items.push({
      id: `extracted-upload:${folder}`,
      kind: 'extracted-upload',
      description: `Uploaded copy of ${files.map((file) => path.basename(file)).join(', ')}, already extracted`,
      bytes: files.reduce((sum, file) => sum + fileSize(file), 0),
      remove: () => rmSync(dir, { recursive: true, force: true }),
    });
  }
  return items;
}

const describe = ({ id, kind, description, bytes }: Removal): CleanupItem => ({ id, kind, description, bytes });

export function cleanupPlan(db: Database, paths: LibraryPaths): CleanupItem[] {
  return plan(db, paths).map(describe);
}

/**
 * Removes the listed items that the plan, made again now, still lists: anything that has become referenced since the
 * person saw the list stays.
 */
export function cleanUp(db: Database, paths: LibraryPaths, ids: readonly string[]): { removed: CleanupItem[]; freedBytes: number } {
  const wanted = new Set(ids);
  const removed: CleanupItem[] = [];
  for (const item of plan(db, paths)) {
    if (!wanted.has(item.id)) continue;
    item.remove();
    removed.push(describe(item));
  }
  return { removed, freedBytes: removed.reduce((sum, item) => sum + item.bytes, 0) };
}

/** Temporary folders of jobs no longer running (`tmp/job-<id>-…`): what an ended or killed attempt left. */
export function removeStaleJobTemp(paths: LibraryPaths, runningJobIds: readonly string[]): number {
  let removed = 0;
  let entries: string[];
  try {
    entries = readdirSync(paths.tmp);
  } catch {
    return 0;
  }
  for (const entry of entries) {
    if (!entry.startsWith('job-')) continue;
    if (runningJobIds.some((id) => entry.startsWith(`job-${id}-`))) continue;
    rmSync(path.join(paths.tmp, entry), { recursive: true, force: true });
    removed++;
  }
  return removed;
}
