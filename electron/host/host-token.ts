import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LibraryPaths } from '../library/paths';

/** Beside the database; readable by its owner only, as it opens the library to whoever holds it. */
export const hostTokenFileName = 'host-token';

const tokenPattern = /^[0-9a-f]{48}$/;

/**
 * The browser host's token for this library, made once and kept in the library folder, so a tab left open
 * across a restart of `stillframe serve` reconnects by itself with the token it already has.
 */
export function libraryHostToken(paths: LibraryPaths): string {
  const file = path.join(paths.root, hostTokenFileName);
  try {
    const kept = readFileSync(file, 'utf8').trim();
    if (tokenPattern.test(kept)) {
      // A copy or an archive tool may have widened it.
      chmodSync(file, 0o600);
      return kept;
    }
  } catch {
    // None yet, or unreadable: make a new one below.
  }
  const token = randomBytes(24).toString('hex');
  // Written whole beside it and renamed into place, so a kill never leaves half a token; tmp/ is emptied at start.
  const temporary = path.join(paths.tmp, `${hostTokenFileName}.${process.pid}`);
  writeFileSync(temporary, token, { mode: 0o600 });
  renameSync(temporary, file);
  return token;
}
