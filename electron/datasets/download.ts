import { readdirSync, statSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DownloadRequest, ExportPreview, PreparedDownload } from '../../shared/dataset-contract';
import { StillframeError } from '../../shared/errors';
import { idSchema } from '../../shared/domain';
import { uuidv7 } from '../../shared/ids';
import { getBatch } from '../library/batches';
import type { Database, Row } from '../library/database';
import type { LibraryPaths } from '../library/paths';
import { getProject } from '../library/projects';
import { exportDataset, type ExportHooks } from './export';

/**
 * Downloads live outside the library (an export folder inside it would be refused, and purged as `tmp/` is), in a
 * folder of the system's temporary one named by an id the host made; each is removed once it has been sent.
 */
const downloadsRoot = path.join(tmpdir(), 'stillframe-downloads');
/** A download nobody fetched within this time is thrown away when the next one is made. */
const unclaimedMs = 60 * 60 * 1000;

function folderOf(downloadId: string): string | null {
  return idSchema.safeParse(downloadId).success ? path.join(downloadsRoot, downloadId) : null;
}

async function removeUnclaimed(now: number): Promise<void> {
  const entries = await readdir(downloadsRoot).catch(() => [] as string[]);
  for (const entry of entries) {
    const folder = path.join(downloadsRoot, entry);
    const info = await stat(folder).catch(() => null);
    if (info && now - info.mtimeMs > unclaimedMs) await rm(folder, { recursive: true, force: true });
  }
}

/** Writes the export as one .zip, ready for `openDownload`; the same export, checks and progress as a folder export. */
export async function prepareDownload(paths: LibraryPaths, request: DownloadRequest, hooks: ExportHooks = {}): Promise<PreparedDownload> {
  await removeUnclaimed(Date.now());
  const downloadId = uuidv7();
  const outDir = path.join(downloadsRoot, downloadId);
  try {
    const summary = await exportDataset(paths, { ...request, outDir, zip: true, force: false }, hooks);
    const bytes = (await stat(summary.outPath)).size;
    return { downloadId, fileName: path.basename(summary.outPath), bytes, summary: { ...summary, outPath: path.basename(summary.outPath) } };
  } catch (error) {
    await rm(outDir, { recursive: true, force: true });
    throw error;
  }
}

/** The prepared .zip of this download, or null when there is none (never made, already sent, or a made-up id). */
export function openDownload(downloadId: string): { file: string; fileName: string; bytes: number } | null {
  const folder = folderOf(downloadId);
  if (!folder) return null;
  try {
    const fileName = readdirSync(folder).find((name) => name.endsWith('.zip'));
    if (!fileName) return null;
    const file = path.join(folder, fileName);
    const info = statSync(file);
    return info.isFile() ? { file, fileName, bytes: info.size } : null;
  } catch {
    return null;
  }
}

export async function removeDownload(downloadId: string): Promise<void> {
  const folder = folderOf(downloadId);
  if (folder) await rm(folder, { recursive: true, force: true });
}

/** How many frames and shapes an export of the project (or one batch) covers, and how many shapes have no label. */
export function exportPreview(db: Database, projectId: string, batchId?: string): ExportPreview {
  const project = getProject(db, projectId);
  if (batchId !== undefined && getBatch(db, batchId).projectId !== project.id) {
    throw new StillframeError('invalid-input', 'That batch belongs to another project.');
  }
  const scope = batchId === undefined ? 'b.project_id = ?' : 'f.batch_id = ?';
  const frames = db
    .prepare(`SELECT COUNT(*) AS n FROM frames f JOIN batches b ON b.id = f.batch_id WHERE ${scope} AND f.deleted_at IS NULL`)
    .get(batchId ?? project.id) as Row;
  const shapes = db
    .prepare(
      `SELECT COUNT(*) AS n, COALESCE(SUM(CASE WHEN s.label_id IS NULL THEN 1 ELSE 0 END), 0) AS unlabelled
       FROM shapes s JOIN frames f ON f.id = s.frame_id JOIN batches b ON b.id = f.batch_id
       WHERE ${scope} AND f.deleted_at IS NULL`,
    )
    .get(batchId ?? project.id) as Row;
  return { frames: Number(frames.n), shapes: Number(shapes.n), unlabelled: Number(shapes.unlabelled) };
}
