import { stat } from 'node:fs/promises';
import path from 'node:path';
import { transaction, type Database } from './database';
import type { LibraryPaths } from './paths';

/** Files stat'ed at once: enough to keep the disk busy, few enough to leave the thread pool to other requests. */
const statsInFlight = 16;

/** The sizes of files (0 for one that is not there), read off the event loop, `statsInFlight` at a time. */
export async function measureFiles(files: readonly string[]): Promise<number[]> {
  const sizes = new Array<number>(files.length).fill(0);
  let next = 0;
  const lane = async () => {
    while (next < files.length) {
      const n = next++;
      sizes[n] = await stat(files[n] ?? '').then((info) => info.size, () => 0);
    }
  };
  await Promise.all(Array.from({ length: Math.min(statsInFlight, files.length) }, lane));
  return sizes;
}

/** Frames measured per write transaction while backfilling, so a long backfill never holds the library's lock for long. */
const backfillChunk = 2_000;

/**
 * Measures, once, the frames of a project whose file sizes were never recorded: libraries made before sizes were kept,
 * and rows written by paths that do not know them (dataset imports, pulled frames). A file that is not there (a pulled
 * image not fetched yet) counts 0; the download records its size when it lands.
 */
export async function measureUnsizedFrames(db: Database, paths: LibraryPaths, projectId: string): Promise<number> {
  const rows = db
    .prepare(
      `SELECT f.id, f.path, f.thumb_path FROM frames f JOIN batches b ON b.id = f.batch_id
       WHERE b.project_id = ? AND (f.file_bytes IS NULL OR f.thumb_bytes IS NULL)`,
    )
    .all(projectId);
  const record = db.prepare('UPDATE frames SET file_bytes = ?, thumb_bytes = ? WHERE id = ?');
  for (let start = 0; start < rows.length; start += backfillChunk) {
    const chunk = rows.slice(start, start + backfillChunk);
    const files = chunk.flatMap((row) => [path.join(paths.root, String(row.path)), path.join(paths.root, String(row.thumb_path))]);
    const sizes = await measureFiles(files);
    transaction(db, () => chunk.forEach((row, n) => record.run(sizes[2 * n] ?? 0, sizes[2 * n + 1] ?? 0, String(row.id))));
  }
  return rows.length;
}

/** A frame's image or thumbnail just written (a download): its size, recorded with the file. */
export function recordFrameFileSize(db: Database, frameId: string, kind: 'image' | 'thumb', bytes: number): void {
  db.prepare(`UPDATE frames SET ${kind === 'image' ? 'file_bytes' : 'thumb_bytes'} = ? WHERE id = ?`).run(bytes, frameId);
}
