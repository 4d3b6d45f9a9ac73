import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/** How far the running extraction job has got, read from another process's library (0 until it has started). */
export function jobProgress(library: string): number {
  const file = path.join(library, 'stillframe.db');
  if (!existsSync(file)) return 0;
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const row = db.prepare(`SELECT MAX(processing_progress) AS p FROM jobs WHERE status = 'processing'`).get() as { p: number | null };
    return row.p ?? 0;
  } catch {
    return 0;
  } finally {
    db.close();
  }
}

/** Every JPEG under `dir`, relative to it (none when it does not exist yet). */
export const jpegsUnder = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.jpg')) : [];
