import { realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

export interface LibraryPaths {
  root: string;
  database: string;
  frames: string;
  thumbs: string;
  tmp: string;
}

export function libraryPaths(root: string): LibraryPaths {
  const abs = path.resolve(root);
  return {
    root: abs,
    database: path.join(abs, 'stillframe.db'),
    frames: path.join(abs, 'frames'),
    thumbs: path.join(abs, 'thumbs'),
    tmp: path.join(abs, 'tmp'),
  };
}

/**
 * The folder Electron calls `userData`, computed without Electron so that the CLI and the app open the same
 * library by default.
 */
export function defaultLibraryDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.STILLFRAME_LIBRARY) return path.resolve(env.STILLFRAME_LIBRARY);
  const home = homedir();
  const appData =
    platform === 'darwin'
      ? path.join(home, 'Library', 'Application Support')
      : platform === 'win32'
        ? (env.APPDATA ?? path.join(home, 'AppData', 'Roaming'))
        : (env.XDG_CONFIG_HOME ?? path.join(home, '.config'));
  return path.join(appData, 'Stillframe', 'library');
}

/** Library-relative form with forward slashes, as stored in the database and served by the media protocol. */
export function toLibraryRelative(root: string, absolute: string): string {
  return path.relative(root, absolute).split(path.sep).join('/');
}

/** Like resolveLibraryPath, for a path as it arrives in a URL (percent-encoded). */
export function resolveInsideFolder(root: string, requested: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(requested);
  } catch {
    return null;
  }
  return resolveLibraryPath(root, decoded);
}

/**
 * Resolves a relative path with forward slashes to an existing entry inside `root` (the library, or the built
 * renderer), or null. Absolute paths, `..` segments, backslashes, NUL bytes and symbolic links that lead outside
 * `root` are all refused.
 */
export function resolveLibraryPath(root: string, requested: string): string | null {
  if (requested.includes('\0') || requested.includes('\\')) return null;
  const relative = requested.replace(/^\/+/, '');
  if (relative.length === 0 || path.isAbsolute(relative) || /^[a-zA-Z]:/.test(relative)) return null;
  if (relative.split('/').some((segment) => segment === '..' || segment === '.')) return null;
  const base = path.resolve(root);
  const candidate = path.resolve(base, relative);
  if (!isInside(base, candidate)) return null;
  // The native realpath is one system call where Node's own walks every path component: this runs for every
  // thumbnail a grid shows.
  let realCandidate: string;
  try {
    realCandidate = realpathSync.native(candidate);
  } catch {
    return null;
  }
  return isInside(realRoot(base), realCandidate) ? realCandidate : null;
}

const realRoots = new Map<string, string>();

function realRoot(base: string): string {
  let real = realRoots.get(base);
  if (real === undefined) {
    real = realpathSync.native(base);
    realRoots.set(base, real);
  }
  return real;
}

function isInside(base: string, candidate: string): boolean {
  const rel = path.relative(base, candidate);
  return rel.length > 0 && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** The real path of `target`, which need not exist yet: its nearest existing ancestor's, with the rest joined on. */
function realPathOfNew(target: string): string {
  const missing: string[] = [];
  let existing = path.resolve(target);
  for (;;) {
    try {
      return path.join(realpathSync.native(existing), ...missing.reverse());
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) return path.resolve(target);
      missing.push(path.basename(existing));
      existing = parent;
    }
  }
}

/** Whether `target` is the library folder or inside it, symbolic links followed: Stillframe alone writes there. */
export function isInLibrary(root: string, target: string): boolean {
  const base = realPathOfNew(root);
  const candidate = realPathOfNew(target);
  return candidate === base || isInside(base, candidate);
}
