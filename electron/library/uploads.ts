import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Database } from './database';
import type { LibraryPaths } from './paths';

/** Where the browser host keeps the files a page uploads, one folder per upload: `imports/<uuid>/<name>`. */
export function uploadsFolder(paths: LibraryPaths): string {
  return path.join(paths.root, 'imports');
}

/**
 * Removes every upload no video row refers to: what an import refused or found to be a duplicate, and what was
 * left when its batch or project was deleted. `keep` spares uploads whose import has not been asked for yet.
 * Returns how many uploads it removed.
 */
export function removeUnreferencedUploads(db: Database, paths: LibraryPaths, keep: (file: string) => boolean = () => false): number {
  const root = uploadsFolder(paths);
  let folders: string[];
  try {
    folders = readdirSync(root);
  } catch {
    return 0;
  }
  const referenced = db.prepare('SELECT 1 FROM videos WHERE source_path = ? LIMIT 1');
  let removed = 0;
  for (const folder of folders) {
    const dir = path.join(root, folder);
    let files: string[];
    try {
      files = readdirSync(dir).map((name) => path.join(dir, name));
    } catch {
      continue;
    }
    if (files.some((file) => keep(file) || referenced.get(file) !== undefined)) continue;
    rmSync(dir, { recursive: true, force: true });
    removed++;
  }
  return removed;
}
