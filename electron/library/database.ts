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
const outboxInserts = new WeakMap<Database, StatementSync>();

/** Appends to the sync outbox; call inside the transaction that made the change. */
export function recordChange(
  db: Database,
  entity: 'project' | 'batch' | 'video' | 'frame' | 'label' | 'shape',
  rowId: string,
  op: 'upsert' | 'delete',
): void {
  let insert = outboxInserts.get(db);
  if (insert === undefined) {
    insert = db.prepare('INSERT INTO outbox (entity, row_id, op, created_at) VALUES (?, ?, ?, ?)');
    outboxInserts.set(db, insert);
  }
  insert.run(entity, rowId, op, Date.now());
}
