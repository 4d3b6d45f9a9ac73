import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { migrations } from './migrations';

export type Database = DatabaseSync;
export type Row = Record<string, unknown>;

/** Opens (creating if needed) a library database and brings its schema up to date. */
export function openDatabase(file: string): Database {
  const db = new DatabaseSync(file);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA foreign_keys = ON');
  db.exec('PRAGMA busy_timeout = 5000');
  db.exec('PRAGMA synchronous = NORMAL');
  migrate(db);
  return db;
}

export function schemaVersion(db: Database): number {
  const row = db.prepare('PRAGMA user_version').get() as { user_version: number };
  return row.user_version;
}

function migrate(db: Database): void {
  const current = schemaVersion(db);
  if (current > migrations.length) {
    throw new Error(
      `This library was written by a newer Stillframe (schema ${current}; this version knows ${migrations.length}). Update Stillframe to open it.`,
    );
  }
  for (let version = current; version < migrations.length; version++) {
    transaction(db, () => {
      db.exec(migrations[version] ?? '');
      db.exec(`PRAGMA user_version = ${version + 1}`);
    });
  }
}

/** Runs `work` in one IMMEDIATE transaction, so a multi-row change lands whole or not at all. */
export function transaction<T>(db: Database, work: () => T): T {
  if (db.isTransaction) return work();
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    // SQLite has already rolled back on some errors (a full disk); the error that caused it is the one to report.
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

/** Prepared once per database: an import records 100,000 changes in one go, and preparing cost more than inserting. */
const outboxStatements = new WeakMap<Database, { takeDirty: StatementSync; insert: StatementSync }>();

/**
 * Appends to the sync outbox; call inside the transaction that made the change. An upsert carries the columns the
 * library's triggers saw change (null: a new row, all of them); an upsert that changed nothing is not recorded. A
 * delete carries ["known"] when the server has (or may have) the row: only those are pushed.
 */
export function recordChange(
  db: Database,
  entity: 'project' | 'batch' | 'video' | 'frame' | 'label' | 'shape',
  rowId: string,
  op: 'upsert' | 'delete',
): void {
  let statements = outboxStatements.get(db);
  if (statements === undefined) {
    statements = {
      takeDirty: db.prepare('DELETE FROM sync_dirty_fields WHERE entity = ? AND row_id = ? RETURNING field'),
      insert: db.prepare('INSERT INTO outbox (entity, row_id, op, created_at, fields) VALUES (?, ?, ?, ?, ?)'),
    };
    outboxStatements.set(db, statements);
  }
  const names = statements.takeDirty.all(entity, rowId).map((row) => String(row.field));
  let fields: string | null = null;
  if (op === 'delete' && names.includes('known')) fields = '["known"]';
  if (op === 'upsert') {
    if (names.length === 0) return;
    if (!names.includes('*')) fields = JSON.stringify(names.sort());
  }
  statements.insert.run(entity, rowId, op, Date.now(), fields);
}
