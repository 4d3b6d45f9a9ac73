import { statfsSync } from 'node:fs';
import { StillframeError } from '../../shared/errors';

/** SQLite's primary result codes, in the low byte of node:sqlite's `errcode`. */
const sqliteFull = 13;
const sqliteIoError = 10;
/** Below this, a write that fails with a vague I/O error failed for want of room. */
const nearlyFullBytes = 1024 * 1024;

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

/**
 * What a failure means for the person: a write refused for want of room, wherever it happened (SQLite, a file, FFmpeg
 * writing frames), becomes the one disk-full message; anything else is returned unchanged.
 */
export function explainFailure(error: unknown, root: string): unknown {
  if (!isDiskFull(error, root)) return error;
  const detail = error instanceof StillframeError ? error.detail : error instanceof Error ? error.message : String(error);
  return diskFullError(root, detail);
}
