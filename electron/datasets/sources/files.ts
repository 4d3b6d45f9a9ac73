import { readFileSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { StillframeError } from '../../../shared/errors';

/** What every dataset reader needs from the file system: what a path is, text, the annotation file, images. */

export const imageExtensions = new Set(['.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff']);

export async function kind(target: string): Promise<'file' | 'folder' | null> {
  const info = await stat(target).catch(() => null);
  return info === null ? null : info.isDirectory() ? 'folder' : 'file';
}

export async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw unreadable(file, error);
  }
}

/**
 * A small file's text at once: for the thousands of label files of a YOLO dataset, one system call each instead of
 * the several round trips through libuv's thread pool that the read above costs.
 */
export function readSmallText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw unreadable(file, error);
  }
}

function unreadable(file: string, error: unknown): StillframeError {
  return new StillframeError('file-missing', `“${file}” could not be read: ${(error as Error).message}`);
}

export function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new StillframeError('invalid-input', `“${path.basename(file)}” is not valid JSON: ${(error as Error).message}`);
  }
}

/** The annotation file inside a dataset folder: the first candidate that exists, else the only file of that kind. */
export async function findFile(from: string, candidates: readonly string[], extensions: readonly string[], what: string): Promise<string> {
  const found = await kind(from);
  if (found === null) throw new StillframeError('file-missing', `“${from}” does not exist.`);
  if (found === 'file') return from;
  for (const candidate of candidates) {
    const file = path.join(from, candidate);
    if ((await kind(file)) === 'file') return file;
  }
  const loose = (await readdir(from)).filter((name) => extensions.some((extension) => name.toLowerCase().endsWith(extension)));
  if (loose.length === 1) return path.join(from, loose[0] ?? '');
  throw new StillframeError('invalid-input', `No ${what} was found in “${from}”. Point --from at the file itself.`);
}

export async function walkImages(dir: string, found: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await walkImages(full, found);
    else if (imageExtensions.has(path.extname(entry.name).toLowerCase())) found.push(full);
  }
}

/** A path as the report names it: relative to the dataset, with forward slashes. */
export function itemPath(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/');
}

/**
 * Image files under the given folders by lower-cased file name, so an annotation's image is found whichever of the
 * folders a tool put it in; a name found twice is kept for the first folder only.
 */
export async function imageIndex(folders: readonly string[]): Promise<Map<string, string>> {
  const index = new Map<string, string>();
  for (const folder of folders) {
    if ((await kind(folder)) !== 'folder') continue;
    const found: string[] = [];
    await walkImages(folder, found);
    for (const file of found) {
      const key = path.basename(file).toLowerCase();
      if (!index.has(key)) index.set(key, file);
    }
  }
  return index;
}
