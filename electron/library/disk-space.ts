import { statfsSync } from 'node:fs';
import path from 'node:path';
import { StillframeError } from '../../shared/errors';

/** SQLite's primary result codes, in the low byte of node:sqlite's `errcode`. */
const sqliteFull = 13;
const sqliteIoError = 10;
const sqliteReadOnly = 8;
const sqliteCorrupt = 11;
const sqliteCantOpen = 14;
const sqliteNotADatabase = 26;
/** Below this, a write that fails with a vague I/O error failed for want of room. */
const nearlyFullBytes = 1024 * 1024;
/**
 * With this much free on the library's disk, a write refused for want of room went to another disk: an export
 * folder, most often. Errors from a write (not an open) carry no path to tell by.
 */
const libraryHasRoomBytes = 64 * 1024 * 1024;

function freeBytes(root: string): number | null {
  try {
    const stats = statfsSync(root);
    return stats.bavail * stats.bsize;
  } catch {
    return null;
  }
}

export function diskFullError(root: string, detail?: string): StillframeError {
  const free = freeBytes(root);
  const mb = free === null ? '?' : String(Math.floor(free / 1024 ** 2));
  return new StillframeError('disk-full', `The disk holding the library is full (${mb} MB free). Free some space, then try again.`, detail);
}

function saysNoSpace(text: string | undefined): boolean {
  return text !== undefined && /no space left on device|database or disk is full/i.test(text);
}

function isDiskFull(error: unknown, root: string): boolean {
  if (error instanceof StillframeError) return error.code !== 'disk-full' && saysNoSpace(error.detail);
  if (!(error instanceof Error)) return false;
  const { code, errcode } = error as NodeJS.ErrnoException & { errcode?: number };
  if (code === 'ENOSPC' || saysNoSpace(error.message)) return true;
  if (typeof errcode !== 'number') return false;
  // A full disk often reaches SQLite as a plain I/O error (a WAL or shared-memory write), so ask the disk.
  const primary = errcode & 0xff;
  return primary === sqliteFull || (primary === sqliteIoError && (freeBytes(root) ?? Infinity) < nearlyFullBytes);
}

function isInsideOrSame(root: string, target: string): boolean {
  const relative = path.relative(path.resolve(root), path.resolve(target));
  return !relative.startsWith('..') && !path.isAbsolute(relative);
}

/** The file or folder a failed system call was about: for a copy, where it was writing to. */
function pathOf(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const { path: target, dest } = error as NodeJS.ErrnoException & { dest?: unknown };
  const about = dest ?? target;
  return typeof about === 'string' ? about : undefined;
}

/** The library's disk when the write was the library's, else the place the write went, named when the error says. */
function fullDiskError(error: unknown, root: string, detail: string | undefined): StillframeError {
  const target = pathOf(error);
  const elsewhere = target !== undefined ? !isInsideOrSame(root, target) : (freeBytes(root) ?? 0) >= libraryHasRoomBytes;
  if (!elsewhere) return diskFullError(root, detail);
  const where = target === undefined ? '' : ` (${target})`;
  return new StillframeError('disk-full', `The disk Stillframe was writing to${where} is full. Free some space there, or choose another folder, then try again.`, detail);
}

/**
 * A library that cannot be used as it is: a database damaged or not SQLite at all, a folder Stillframe may not write
 * to, or a file where the library folder should be; and a place outside it that Stillframe may not use (an export
 * folder), named as such.
 */
function libraryProblem(error: Error, root: string): StillframeError | null {
  const { code, syscall, errcode } = error as NodeJS.ErrnoException & { errcode?: number };
  const target = pathOf(error);
  const primary = typeof errcode === 'number' ? errcode & 0xff : null;
  const database = path.join(root, 'stillframe.db');
  if (primary === sqliteCorrupt || primary === sqliteNotADatabase) {
    return new StillframeError(
      'file-unreadable',
      `The library's database (${database}) is damaged, so Stillframe cannot read it. Restore it from a backup, or choose another library folder.`,
      error.message,
    );
  }
  const aboutLibrary = target !== undefined && isInsideOrSame(root, target);
  if (primary === sqliteReadOnly || primary === sqliteCantOpen || (aboutLibrary && (code === 'EACCES' || code === 'EPERM' || code === 'EROFS'))) {
    return new StillframeError(
      'access-denied',
      `Stillframe is not allowed to write to the library folder (${root}). Check its permissions, or choose another library folder.`,
      error.message,
    );
  }
  if (aboutLibrary && (code === 'EEXIST' || code === 'ENOTDIR') && error.message.includes('mkdir')) {
    return new StillframeError('invalid-input', `The library must be a folder, and “${root}” is a file (or lies inside one). Choose a folder for the library.`, error.message);
  }
  if (target !== undefined && (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')) {
    return new StillframeError('access-denied', `Stillframe is not allowed to use “${target}”. Check its permissions, or choose another folder.`, error.message);
  }
  // A recursive mkdir answers ENOENT where the place cannot take a new folder at all (a read-only disk).
  if (target !== undefined && !aboutLibrary && code === 'ENOENT' && syscall === 'mkdir') {
    return new StillframeError('access-denied', `Stillframe could not make the folder “${target}”. Check that it can be written there, or choose another folder.`, error.message);
  }
  return null;
}

/**
 * What a failure means for the person: a write refused for want of room, wherever it happened (SQLite, a file, FFmpeg
 * writing frames), becomes the one disk-full message; a library that cannot be opened or written says why; anything
 * else is returned unchanged.
 */
export function explainFailure(error: unknown, root: string): unknown {
  if (isDiskFull(error, root)) {
    const detail = error instanceof StillframeError ? error.detail : error instanceof Error ? error.message : String(error);
    return fullDiskError(error, root, detail);
  }
  if (error instanceof Error && !(error instanceof StillframeError)) return libraryProblem(error, root) ?? error;
  return error;
}
