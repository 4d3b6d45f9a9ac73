import type { SQLInputValue } from 'node:sqlite';
import type { Shape } from '../../shared/annotations';
import { transaction, undoneIfFailed, type Database } from './database';
import type { NewFrame } from './frames';

/**
 * The library's bulk write path, for the writes that carry tens of thousands of rows: a dataset import and sync's
 * first pull. One prepared statement per table, every row of the call in one transaction, and no read per row
 * (the caller has checked the rows already), so 100,000 shapes cost what 100,000 index inserts do. The store's
 * one-row functions (`saveShape`, `insertFrames`) check each row against the library instead, which is right for
 * an edit and twenty times slower for an import.
 */

/** A frame as extraction writes it (less the sizes, which this path leaves to be measured once), with its ids. */
export interface BulkFrame extends Omit<NewFrame, 'bytes' | 'thumbBytes'> {
  id: string;
  videoId: string;
  batchId: string;
  /** A pulled row keeps its own times and server version; a new one gets now and none. */
  createdAt?: number;
  updatedAt?: number;
  serverVersion?: number | null;
}

/** A shape whose geometry, label and attributes are already checked against its frame and project. */
export type BulkShape = Omit<Shape, 'createdAt' | 'updatedAt'> & {
  createdAt?: number;
  updatedAt?: number;
  serverVersion?: number | null;
};

export interface BulkWriter {
  frame(row: BulkFrame): void;
  shape(row: BulkShape): void;
  readonly written: { frames: number; shapes: number };
}

/** The writer and what it does once the rows are in: the work of the shapes' triggers it stood in for, in bulk. */
interface PreparedWriter extends BulkWriter {
  finish(): void;
}

export interface BulkWriteOptions {
  /**
   * Local changes (an import) go to the sync outbox to be pushed; rows pulled from the server must not (the pull
   * writes them with `sync_guard.applying` set, so no trigger marks them). Local rows must be new: each one's entry
   * is the whole row, what `recordChange` records for a row the triggers saw inserted, and an id the library has
   * already fails the write rather than replace a row whose changed columns would go unrecorded.
   */
  outbox: boolean;
  /**
   * For one write of tens of thousands of rows (an import): the shapes' row triggers are lifted for it (see
   * liftedShapeTriggers). Lifting is a schema change, after which each of the connection's prepared statements is
   * prepared again; for a pull's chunks of 1,000 rows that cost more than the triggers (its client CPU 4.6 to 5.1 s).
   */
  liftTriggers: boolean;
}

/** The shapes row's columns in the order shapeValues gives them. */
export const shapeInsertSql = `INSERT INTO shapes (id, frame_id, label_id, type, points, note, attributes, hidden, locked, z_index, created_at, updated_at, server_version)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** A checked shape as the row's column values: the one place a shape is turned into what SQLite stores. */
export function shapeValues(row: BulkShape, now: number): SQLInputValue[] {
  return [
    row.id,
    row.frameId,
    row.labelId,
    row.type,
    JSON.stringify(row.points),
    row.note,
    JSON.stringify(row.attributes),
    row.hidden ? 1 : 0,
    row.locked ? 1 : 0,
    row.zIndex,
    row.createdAt ?? now,
    row.updatedAt ?? now,
    row.serverVersion ?? null,
  ];
}

/**
 * Negative: in KiB. A page cache this size keeps the pages of the indexes being appended to in memory for the
 * transaction; at 64 MB it added its size to an import's peak memory.
 */
const bulkCacheKib = -16384;

/**
 * Triggers on shapes that a bulk write with `liftTriggers` drops for its duration, inside its transaction (so a kill,
 * or a failed write, puts them back with the rollback). SQLite runs a row trigger as a sub-program for every row, even
 * one whose WHEN clause is false: with these two, 100,000 shape inserts took 2.8 s where they take 1.2 s without. The
 * sync one does nothing under the writer's guard; the writer marks the shapes' frames annotated itself, once each.
 */
const liftedShapeTriggers = ['shapes_sync_inserted', 'shapes_mark_frame'];

const largestRowid = (db: Database, table: 'frames' | 'shapes') =>
  Number((db.prepare(`SELECT COALESCE(MAX(rowid), 0) AS n FROM ${table}`).get() as { n: number }).n);

function prepareWriter(db: Database, options: BulkWriteOptions, marksFrames: boolean): PreparedWriter {
  // Upserts for a pull, so a row it already has is replaced in the same one statement, without reading it.
  const upsert = (clause: string) => (options.outbox ? '' : clause);
  const frameInsert = db.prepare(
    `INSERT INTO frames (id, video_id, batch_id, frame_index, timestamp_ms, width, height, path, thumb_path, created_at, updated_at, server_version)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ${upsert(`
     ON CONFLICT (id) DO UPDATE SET batch_id = excluded.batch_id, frame_index = excluded.frame_index,
       timestamp_ms = excluded.timestamp_ms, width = excluded.width, height = excluded.height, path = excluded.path,
       thumb_path = excluded.thumb_path, updated_at = excluded.updated_at, server_version = excluded.server_version`)}`,
  );
  const shapeInsert = db.prepare(
    `${shapeInsertSql} ${upsert(`
     ON CONFLICT (id) DO UPDATE SET label_id = excluded.label_id, type = excluded.type, points = excluded.points,
       note = excluded.note, attributes = excluded.attributes, hidden = excluded.hidden, locked = excluded.locked,
       z_index = excluded.z_index, updated_at = excluded.updated_at, server_version = excluded.server_version`)}`,
  );
  const now = Date.now();
  // Local rows are new (see BulkWriteOptions), and SQLite gives a new row the largest rowid plus one: the rows past
  // these are the ones this write added, whose outbox entries go in with one statement each at the end. One insert
  // per row cost as much again as the rows themselves (the outbox's AUTOINCREMENT is updated per statement).
  const rowidsBefore = options.outbox ? { frames: largestRowid(db, 'frames'), shapes: largestRowid(db, 'shapes') } : null;
  const outboxInsert = (table: 'frames' | 'shapes', entity: 'frame' | 'shape') =>
    db
      .prepare(`INSERT INTO outbox (entity, row_id, op, created_at, fields) SELECT ?, id, 'upsert', ?, NULL FROM ${table} WHERE rowid > ? ORDER BY rowid`)
      .run(entity, now, rowidsBefore?.[table] ?? 0);
  const annotatedFrames = new Set<string>();
  const written = { frames: 0, shapes: 0 };
  return {
    written,
    finish() {
      if (marksFrames) {
        // What shapes_mark_frame does, checked against the rows as they end: an upsert keeps a shape's frame. One
        // statement for every frame: inside a caller's savepoint (see bulkWrite) each statement's journal is kept
        // until the savepoint ends, and 10,000 one-row updates took 1.6-3.4 s there, against 60 ms for this.
        db.prepare(
          `UPDATE frames SET annotated = 1 WHERE id IN (SELECT value FROM json_each(?)) AND annotated = 0
             AND EXISTS (SELECT 1 FROM shapes WHERE frame_id = frames.id)`,
        ).run(JSON.stringify([...annotatedFrames]));
      }
      // Parents first, as the rows were written: a push sends a frame before its shapes.
      if (rowidsBefore) {
        outboxInsert('frames', 'frame');
        outboxInsert('shapes', 'shape');
      }
    },
    frame(row) {
      frameInsert.run(
        row.id,
        row.videoId,
        row.batchId,
        row.index,
        row.timestampMs,
        row.width,
        row.height,
        row.path,
        row.thumbPath,
        row.createdAt ?? now,
        row.updatedAt ?? now,
        row.serverVersion ?? null,
      );
      written.frames++;
    },
    shape(row) {
      shapeInsert.run(...shapeValues(row, now));
      if (marksFrames) annotatedFrames.add(row.frameId);
      written.shapes++;
    },
  };
}

/**
 * Runs `work` with a writer, all of it in one transaction (the caller's, when it has one open): the rows land
 * together or not at all. Feed it rows as they are read (a generator, a parsed page) rather than an array of all
 * of them, so memory stays that of one row.
 */
export function bulkWrite<T>(db: Database, options: BulkWriteOptions, work: (writer: BulkWriter) => T): T {
  const cache = Number((db.prepare('PRAGMA cache_size').get() as { cache_size: number }).cache_size);
  db.exec(`PRAGMA cache_size = ${bulkCacheKib}`);
  // Inside a caller's transaction, a write that fails takes back its own rows even if the caller goes on: they
  // would lack the outbox entries and annotated marks the writer adds at the end (see finish).
  const nested = db.isTransaction;
  try {
    return transaction(db, () => (nested ? undoneIfFailed(db, () => writeAll(db, options, work)) : writeAll(db, options, work)));
  } finally {
    db.exec(`PRAGMA cache_size = ${cache}`);
  }
}

function writeAll<T>(db: Database, options: BulkWriteOptions, work: (writer: BulkWriter) => T): T {
  // The writer records each row's outbox entry itself, so the triggers' per-column marks, which recordChange
  // would read back and delete row by row, are not made: half an import's write time. Inside the transaction,
  // so a kill never leaves the guard set.
  const guard = Number((db.prepare('SELECT applying FROM sync_guard').get() as { applying: number }).applying);
  db.exec('UPDATE sync_guard SET applying = 1');
  const lifted = options.liftTriggers
    ? (db
        .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN (${liftedShapeTriggers.map(() => '?').join(', ')})`)
        .all(...liftedShapeTriggers) as { name: string; sql: string }[])
    : [];
  for (const trigger of lifted) db.exec(`DROP TRIGGER ${trigger.name}`);
  try {
    const writer = prepareWriter(db, options, lifted.some((trigger) => trigger.name === 'shapes_mark_frame'));
    const result = work(writer);
    writer.finish();
    return result;
  } finally {
    for (const trigger of lifted) db.exec(trigger.sql);
    db.exec(`UPDATE sync_guard SET applying = ${guard}`);
  }
}
