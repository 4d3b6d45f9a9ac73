import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { uuidv7 } from '../../shared/ids';
import type { LibraryPaths } from '../library/paths';
import { processIsAlive, settleLeftoverExports } from './sink';

/**
 * The exports this library has under way, one small file each, so that an export killed during its commit is put
 * right when the library is next opened, not only when somebody exports to the same folder again: until then the
 * folder could show part of the old dataset beside part of the new one.
 */
const journalFolder = (paths: LibraryPaths) => path.join(paths.root, 'exports-in-flight');
const entryName = /^(\d+)-[0-9a-f-]{36}\.json$/;

/** Notes that an export into `outDir` has begun; the returned call forgets it once the export has ended either way. */
export async function noteExportBegun(paths: LibraryPaths, outDir: string): Promise<() => Promise<void>> {
  const folder = journalFolder(paths);
  await mkdir(folder, { recursive: true });
  const entry = path.join(folder, `${process.pid}-${uuidv7()}.json`);
  await writeFile(entry, JSON.stringify({ outDir }));
  return () => rm(entry, { force: true });
}

/**
 * At start, before any export here: settles what every export of a process that is gone left in its folder (see
 * settleLeftoverExports). A folder that
 * cannot be reached now (an unplugged disk) is settled by the next export there; one that fails part way is tried
 * again at the next start.
 */
export async function settleInterruptedExports(paths: LibraryPaths): Promise<void> {
  const folder = journalFolder(paths);
  const names = await readdir(folder).catch(() => [] as string[]);
  for (const name of names) {
    const match = entryName.exec(name);
    // This process's own pid means an earlier life of it (a container's pid 1): this runs before any export starts.
    if (match === null || (Number(match[1]) !== process.pid && processIsAlive(Number(match[1])))) continue;
    const entry = path.join(folder, name);
    let outDir: unknown = null;
    try {
      outDir = (JSON.parse(await readFile(entry, 'utf8')) as { outDir?: unknown }).outDir;
    } catch {
      // Cut short by the kill: it was written before its export touched the folder, so there is nothing to settle.
    }
    try {
      if (typeof outDir === 'string') await settleLeftoverExports(outDir);
      await rm(entry, { force: true });
    } catch {
      // A folder that refuses the renames now: tried again at the next start, never in the way of this one.
    }
  }
}
