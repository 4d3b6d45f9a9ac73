import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { migrations } from './migrations';

export type Database = DatabaseSync;
export type Row = Record<string, unknown>;

/** Opens (creating if needed) a library database and brings its schema up to date. */
export function openDatabase(file: string): Database {
  const db = new DatabaseSync(file);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA foreign_keys = ON');
  // A dataset import commits on its own thread and connection (electron/datasets/dataset-jobs.ts); a 100,000-shape
  // commit holds the write lock for seconds on a slow disk, and the app's own writes must queue behind it, as they
  // did when the import ran on the main thread, rather than fail with SQLITE_BUSY after 5 s.
  db.exec('PRAGMA busy_timeout = 60000');
  db.exec('PRAGMA synchronous = NORMAL');
  // Statement journals in memory: with the shapes' and frames' triggers every insert of a bulk transaction journals
  // the pages it touches, and once that journal had spilled to a temporary file an import of 100,000 shapes made
  // 1.2 million pwrite calls to it (strace), seconds of system time.
  db.exec('PRAGMA temp_store = MEMORY');
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

/** Runs `work` between `begin` and `keep`; if it (or `keep`) throws, runs `undo` and throws on. */
function undoneOnThrow<T>(db: Database, begin: string, keep: string, undo: string, work: () => T): T {
  db.exec(begin);
  const undone = (error: unknown): never => {
    // SQLite has already rolled back on some errors (a full disk); the error that caused it is the one to report.
    if (db.isTransaction) db.exec(undo);
    throw error;
  };
  try {
    const result = work();
    if (result instanceof Promise) {
      return result
        .then((value: unknown) => {
          db.exec(keep);
          return value;
        })
        .catch(undone) as T;
    }
    db.exec(keep);
    return result;
  } catch (error) {
    return undone(error);
  }
}

/**
 * Runs `work` in one IMMEDIATE transaction, so a multi-row change lands whole or not at all. Work that returns a
 * promise (an import waiting for its files to be copied) commits when it settles; that is only for a connection
 * nothing else uses meanwhile, as another caller's writes on it would land inside this transaction.
 */
export function transaction<T>(db: Database, work: () => T): T {
  if (db.isTransaction) return work();
  return undoneOnThrow(db, 'BEGIN IMMEDIATE', 'COMMIT', 'ROLLBACK', work);
}

/**
 * Runs `work` inside the open transaction under a savepoint: if it throws, what it wrote is undone, and the
 * transaction stays open for the caller. While the savepoint is open SQLite keeps every statement's journal, so work
 * of many one-row statements that journal (those that fire triggers) slows as it goes: 10,000 one-row updates of
 * frames took 3.4 s under it against 0.1 s without. Such work belongs in one set-based statement.
 */
export function undoneIfFailed<T>(db: Database, work: () => T): T {
  return undoneOnThrow(db, 'SAVEPOINT undone_if_failed', 'RELEASE undone_if_failed', 'ROLLBACK TO undone_if_failed; RELEASE undone_if_failed', work);
}

interface OutboxStatements {
  upsert: StatementSync;
  dropUpserts: StatementSync;
  delete: StatementSync;
  clearMarks: StatementSync;
}

/** Prepared once per database: an import records 100,000 changes in one go, and preparing cost more than inserting. */
const outboxStatements = new WeakMap<Database, OutboxStatements>();

function prepareOutbox(db: Database): OutboxStatements {
  return {
    // The triggers' marks, read and folded in SQL, into the row's one waiting upsert (see the outbox_one_upsert index):
    // a shape dragged a hundred times waits as one entry, not a hundred. No marks: nothing changed, nothing is recorded.
    upsert: db.prepare(
      `INSERT INTO outbox (entity, row_id, op, created_at, fields)
       SELECT $entity, $row, 'upsert', $now, CASE WHEN MAX(field = '*') THEN NULL ELSE json_group_array(field) END
       FROM (SELECT field FROM sync_dirty_fields WHERE entity = $entity AND row_id = $row ORDER BY field)
       HAVING COUNT(*) > 0
       ON CONFLICT (entity, row_id) WHERE op = 'upsert' DO UPDATE SET fields =
         CASE WHEN outbox.fields IS NULL OR excluded.fields IS NULL THEN NULL WHEN outbox.fields = excluded.fields THEN outbox.fields ELSE (
           SELECT json_group_array(value) FROM (
             SELECT value FROM json_each(outbox.fields) UNION SELECT value FROM json_each(excluded.fields) ORDER BY value))
         END`,
    ),
    // A delete makes the row's waiting upsert moot: pushing it would change nothing the delete leaves.
    dropUpserts: db.prepare(`DELETE FROM outbox WHERE entity = $entity AND row_id = $row AND op = 'upsert'`),
    delete: db.prepare(
      `INSERT INTO outbox (entity, row_id, op, created_at, fields)
       VALUES ($entity, $row, 'delete', $now,
         CASE WHEN EXISTS (SELECT 1 FROM sync_dirty_fields WHERE entity = $entity AND row_id = $row AND field = 'known') THEN '["known"]' END)`,
    ),
    clearMarks: db.prepare('DELETE FROM sync_dirty_fields WHERE entity = $entity AND row_id = $row'),
  };
}

/**
 * Appends to the sync outbox; call inside the transaction that made the change. An upsert carries the columns the
 * library's triggers saw change (null: a new row, all of them), merged into the row's upsert still waiting to be
 * pushed, if any; an upsert that changed nothing is not recorded. A delete carries ["known"] when the server has (or
 * may have) the row: only those are pushed.
 */
export function recordChange(
  db: Database,
  entity: 'project' | 'batch' | 'video' | 'frame' | 'label' | 'shape',
  rowId: string,
  op: 'upsert' | 'delete',
): void {
  let statements = outboxStatements.get(db);
  if (statements === undefined) {
    statements = prepareOutbox(db);
    outboxStatements.set(db, statements);
  }
  const row = { $entity: entity, $row: rowId };
  if (op === 'upsert') {
    statements.upsert.run({ ...row, $now: Date.now() });
  } else {
    statements.dropUpserts.run(row);
    statements.delete.run({ ...row, $now: Date.now() });
  }
  statements.clearMarks.run(row);
}

const statementCache = new WeakMap<Database, Map<string, StatementSync>>();

/**
 * A statement compiled once per connection and kept, for statements run in bursts, where compiling costs more than
 * running: the queue's at every job event (a batch of 50 clips compiled about 3,500, most the same dozen), shape
 * writes (a paste, an undo of many shapes) and a pull's rows by the hundred thousand. Only for get, all and run,
 * which finish before they return: a statement still being iterated must not be handed out again.
 */
export function preparedOnce(db: Database, sql: string): StatementSync {
  let statements = statementCache.get(db);
  if (statements === undefined) {
    statements = new Map();
    statementCache.set(db, statements);
  }
  let statement = statements.get(sql);
  if (statement === undefined) {
    statement = db.prepare(sql);
    statements.set(sql, statement);
  }
  return statement;
}
