import type { Batch } from '../../shared/domain';
import { StillframeError } from '../../shared/errors';
import { uuidv7 } from '../../shared/ids';
import { uniqueSlug, validateBatchName } from '../../shared/names';
import { recordChange, transaction, type Database, type Row } from './database';

const batchColumns = `
  b.id, b.project_id, b.name, b.slug, b.created_at,
  (SELECT COUNT(*) FROM videos v WHERE v.batch_id = b.id) AS video_count,
  (SELECT COUNT(*) FROM frames f WHERE f.batch_id = b.id) AS frame_count,
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

export function createBatch(db: Database, projectId: string, rawName: string): Batch {
  const name = validateBatchName(rawName);
  const id = uuidv7();
  transaction(db, () => {
    if (findBatchByName(db, projectId, name)) {
      throw new StillframeError('conflict', `This project already has a batch named “${name}”. Choose another name.`);
    }
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
