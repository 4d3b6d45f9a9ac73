import type { StatementSync } from 'node:sqlite';
import type { Database } from '../library/database';

const cache = new WeakMap<Database, Map<string, StatementSync>>();

/** Prepared once per connection: a pull applies rows by the hundred thousand, and preparing costs more than running. */
export function statement(db: Database, sql: string): StatementSync {
  let statements = cache.get(db);
  if (!statements) {
    statements = new Map();
    cache.set(db, statements);
  }
  let prepared = statements.get(sql);
  if (!prepared) {
    prepared = db.prepare(sql);
    statements.set(sql, prepared);
  }
  return prepared;
}
