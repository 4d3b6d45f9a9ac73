import { rmSync } from 'node:fs';
import path from 'node:path';
import type { PullPage } from '../../shared/sync-contract';
import type { SQLInputValue } from 'node:sqlite';
import { bulkWrite } from '../library/bulk-write';
import { preparedOnce, transaction, type Database } from '../library/database';
import type { LibraryPaths } from '../library/paths';
import { recordRemoteFiles } from './files';
import { forgetProject, pendingChangesSql } from './push';
import { entityOf, localPathOf, localTable, localThumbPathOf, parentRank, toBulkFrame, toBulkShape, toLocalRow, type Entity } from './tables';

/** Rows asked for per pull_changes request. */
export const pullPageSize = 5_000;

/** Rows written per transaction while applying, so editing never waits long behind a pull. */
const applyChunk = 1_000;

/**
 * Keeps one pulled page: its rows go to the inbox (a newer version of a row replaces an older one) and the project's
 * pulled position moves past them, in one transaction, so a crash never loses a page nor pulls it twice.
 */
export function storePulledPage(db: Database, projectId: string, page: PullPage): void {
  transaction(db, () => {
    const keep = preparedOnce(db, 
      `INSERT INTO pull_inbox (tbl, id, project_id, seq, deleted, row) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (tbl, id) DO UPDATE SET seq = excluded.seq, deleted = excluded.deleted, row = excluded.row WHERE excluded.seq > pull_inbox.seq`,
    );
    for (const row of page.rows) {
      keep.run(row.table, row.id, projectId, row.seq, row.deleted_at === null ? 0 : 1, JSON.stringify({ ...row.row, seq: row.seq }));
    }
    preparedOnce(db, 'UPDATE sync_projects SET last_pulled_seq = MAX(last_pulled_seq, ?) WHERE project_id = ?').run(page.next, projectId);
  });
}

const rankSql = `CASE tbl WHEN 'projects' THEN ${parentRank.project} WHEN 'batches' THEN ${parentRank.batch} WHEN 'labels' THEN ${parentRank.label}
  WHEN 'videos' THEN ${parentRank.video} WHEN 'frames' THEN ${parentRank.frame} ELSE ${parentRank.shape} END`;

/** A name the library already uses for another row gets a number, here only: the server keeps the name it has. */
function freeName(db: Database, sql: string, name: string, id: string, scope: SQLInputValue[]): string {
  let candidate = name;
  for (let n = 2; preparedOnce(db, sql).get(...scope, candidate, id) !== undefined; n++) candidate = `${name} (${n})`;
  return candidate;
}

function removeLocal(db: Database, paths: LibraryPaths, entity: Entity, id: string): void {
  if (entity === 'frame') {
    const frame = preparedOnce(db, 'SELECT path, thumb_path FROM frames WHERE id = ?').get(id);
    if (frame) {
      rmSync(path.join(paths.root, String(frame.path)), { force: true });
      rmSync(path.join(paths.root, String(frame.thumb_path)), { force: true });
    }
    preparedOnce(db, 'DELETE FROM sync_files WHERE frame_id = ?').run(id);
  }
  preparedOnce(db, `DELETE FROM ${localTable[entity]} WHERE id = ?`).run(id);
  if (entity === 'project') forgetProject(db, id);
}

function writeLocal(db: Database, entity: Entity, id: string, server: Record<string, unknown>): void {
  const values = toLocalRow(entity, server);
  const exists = preparedOnce(db, `SELECT 1 FROM ${localTable[entity]} WHERE id = ?`).get(id) !== undefined;
  if (entity === 'project') {
    values.name = freeName(db, 'SELECT 1 FROM projects WHERE name = ? COLLATE NOCASE AND id IS NOT ?', String(values.name), id, []);
  } else if (entity === 'batch') {
    values.name = freeName(db, 'SELECT 1 FROM batches WHERE project_id = ? AND name = ? COLLATE NOCASE AND id IS NOT ?', String(values.name), id, [values.project_id as string]);
    const slugTaken = preparedOnce(db, 'SELECT 1 FROM batches WHERE project_id = ? AND slug = ? AND id IS NOT ?').get(values.project_id as string, values.slug as string, id);
    if (slugTaken) values.slug = `${String(values.slug)}-${id.slice(-6)}`;
  } else if (entity === 'label') {
    values.name = freeName(db, 'SELECT 1 FROM labels WHERE project_id = ? AND name = ? COLLATE NOCASE AND id IS NOT ?', String(values.name), id, [values.project_id as string]);
    const hotkeyTaken = values.hotkey != null && preparedOnce(db, 'SELECT 1 FROM labels WHERE project_id = ? AND hotkey = ? AND id IS NOT ?').get(values.project_id as string, values.hotkey as number, id);
    if (hotkeyTaken) values.hotkey = null;
  } else if (entity === 'video' && !exists) {
    values.source_path = '';
  } else if (entity === 'frame' && !exists) {
    values.path = localPathOf(String(server.storage_path));
    values.thumb_path = localThumbPathOf(String(server.thumb_path));
  }
  const names = Object.keys(values);
  const table = localTable[entity];
  if (exists) {
    const sets = names.filter((name) => name !== 'created_at').map((name) => `${name} = ?`);
    preparedOnce(db, `UPDATE ${table} SET ${sets.join(', ')} WHERE id = ?`).run(
      ...(names.filter((name) => name !== 'created_at').map((name) => values[name]) as never[]),
      id,
    );
  } else {
    preparedOnce(db, `INSERT INTO ${table} (id, ${names.join(', ')}) VALUES (?, ${names.map(() => '?').join(', ')})`).run(id, ...(names.map((name) => values[name]) as never[]));
    if (entity === 'frame') {
      recordRemoteFiles(db, id, String(server.project_id), {
        image: [String(server.storage_path), String(values.path)],
        thumb: [String(server.thumb_path), String(values.thumb_path)],
      });
    }
  }
}

function isForeignKeyFailure(error: unknown): boolean {
  return error instanceof Error && /FOREIGN KEY constraint failed/.test(error.message);
}

export interface Applied {
  applied: number;
  /** Rows that wait for local changes to be pushed, or for a parent not pulled yet. */
  held: number;
}

const entitySql = `CASE i.tbl ${Object.entries(entityOf).map(([tbl, entity]) => `WHEN '${tbl}' THEN '${entity}'`).join(' ')} END`;

/**
 * One chunk of the inbox, in the order given, each row with what decides where it goes: local changes waiting for it
 * (it is held), and for a frame whether the library has it already (only a new one is written in bulk). One query
 * for the chunk instead of three reads per row.
 */
const chunkSql = `SELECT i.tbl, i.id, i.deleted, i.row, ${pendingChangesSql(entitySql, 'i.id')} AS pending,
    i.tbl = 'frames' AND EXISTS (SELECT 1 FROM frames f WHERE f.id = i.id) AS present
  FROM json_each(?) k JOIN pull_inbox i ON i.tbl = k.value ->> 0 AND i.id = k.value ->> 1
  ORDER BY k.key`;

/**
 * Writes the inbox's rows into the library, parents first, a chunk per transaction. New frames and every annotation,
 * nearly all of a first pull, go through the library's bulk writer (upserts, no outbox entries: the pull's rows are
 * the server's); the few projects, batches, labels and videos, and frames already here, through `writeLocal`, which
 * settles names and keeps local paths. A row with local changes still waiting stays in the inbox (the server's answer
 * to them, with a newer seq, will replace it); so does a row whose parent has not arrived yet. Tombstones delete the
 * local row. Between chunks it lets the event loop run, so the main process answers the window (and the next page's
 * request goes out) while a large pull is applied.
 */
export async function applyInbox(db: Database, paths: LibraryPaths, projectId: string): Promise<Applied> {
  const keys = preparedOnce(db, `SELECT tbl, id FROM pull_inbox WHERE project_id = ? ORDER BY ${rankSql}, seq`).all(projectId);
  let applied = 0;
  let held = 0;
  for (let start = 0; start < keys.length; start += applyChunk) {
    if (start > 0) await new Promise((resolve) => setImmediate(resolve));
    const chunk = JSON.stringify(keys.slice(start, start + applyChunk).map((key) => [key.tbl, key.id]));
    bulkWrite(db, { outbox: false, liftTriggers: false }, (writer) => {
      const done = preparedOnce(db, 'DELETE FROM pull_inbox WHERE tbl = ? AND id = ?');
      for (const item of preparedOnce(db, chunkSql).all(chunk)) {
        const table = String(item.tbl);
        const entity = entityOf[table as keyof typeof entityOf];
        const id = String(item.id);
        if (Number(item.pending) === 1) {
          held++;
          continue;
        }
        if (Number(item.deleted) === 1) {
          removeLocal(db, paths, entity, id);
        } else {
          try {
            const server = JSON.parse(String(item.row)) as Record<string, unknown>;
            if (entity === 'shape') writer.shape(toBulkShape(id, server));
            else if (entity === 'frame' && Number(item.present) === 0) {
              const frame = toBulkFrame(id, server);
              writer.frame(frame);
              recordRemoteFiles(db, id, String(server.project_id), {
                image: [String(server.storage_path), frame.path],
                thumb: [String(server.thumb_path), frame.thumbPath],
              });
            } else writeLocal(db, entity, id, server);
          } catch (error) {
            if (!isForeignKeyFailure(error)) throw error;
            held++;
            continue;
          }
        }
        done.run(table, id);
        applied++;
      }
    });
  }
  return { applied, held };
}
