import { constants, copyFileSync, linkSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { oldGenerationMb } from './thread-heap';

/**
 * An import's new frames' files: each image copied from the dataset into a folder, beside its thumbnail's stand-in.
 * Folders are listed once and named by their place in the list: a video's frames share one, and whole paths per
 * file were most of what the placer thread was sent (5 MB for 10,000 images, held on both threads).
 */
export interface Placements {
  /** Absolute; each is made the first time a file goes into it. */
  folders: string[];
  /** Each file's source, and its image's and thumbnail's folder (by place in `folders`) and name. */
  files: { source: string; imageFolder: number; image: string; thumbFolder: number; thumb: string }[];
}

/** What the placer thread is given. */
export interface PlacerData {
  placements: Placements;
}

/** From the placer thread, once, when every file is placed. */
export type PlacerDone = 'placed';

/** Files placed between turns of the event loop when placing inline: about 15 ms of work. */
const slice = 100;

/**
 * The placer thread's heap holds the list and little else: a small young generation keeps the thread's pages off the
 * import's peak, which it runs beside. Its old generation may grow as far as the dataset thread's, so any list that
 * thread can plan fits here too: at 64 MB, 300,000 images ran the placer out of memory.
 */
const placerLimits = { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: oldGenerationMb };

/**
 * The full image where the thumbnail will be, until the thumbnail pass makes it; a copy where the file system has no
 * hard links.
 */
function placeStandIn(image: string, thumb: string): void {
  try {
    linkSync(image, thumb);
  } catch {
    copyFileSync(image, thumb);
  }
}

/** Places one frame's files, making their folders when `made` has not seen them. */
function placeOne(placements: Placements, i: number, made: Set<number>): void {
  const file = placements.files[i];
  if (!file) return;
  const folder = (index: number) => {
    if (!made.has(index)) mkdirSync(placements.folders[index] ?? '', { recursive: true });
    made.add(index);
    return placements.folders[index] ?? '';
  };
  const image = path.join(folder(file.imageFolder), file.image);
  // A copy-on-write clone where the file system has them (Btrfs, XFS, APFS): no bytes move until one side changes.
  copyFileSync(file.source, image, constants.COPYFILE_FICLONE);
  placeStandIn(image, path.join(folder(file.thumbFolder), file.thumb));
}

/** Places every file in order on this thread, with no turn of the event loop: the placer thread's work. */
export function placeAll(placements: Placements): void {
  const made = new Set<number>();
  for (let i = 0; i < placements.files.length; i++) placeOne(placements, i, made);
}

/** Places every file on this thread, a slice at a time between turns of the event loop, so the host's calls are not held up. */
export async function placeInline(placements: Placements, signal: AbortSignal | undefined): Promise<void> {
  const made = new Set<number>();
  for (let start = 0; start < placements.files.length; start += slice) {
    signal?.throwIfAborted();
    for (let i = start; i < Math.min(start + slice, placements.files.length); i++) placeOne(placements, i, made);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * Places every file on a thread of its own (the built placer script), while this one goes on. Copying is file
 * creation, bound by the file system rather than this thread's CPU, so it overlaps the import's row inserts. One
 * thread copying in order, not libuv's pool: 10,000 copies took 1.5 s one after another and 12 s as 16 concurrent
 * ones there. Aborted, the thread is stopped, and the promise rejects only once it has, so no file appears after the
 * caller cleans up. A failed copy's error keeps its code across the thread (ENOSPC is told as a full disk).
 */
export function placeOnThread(script: string, placements: Placements, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  const worker = new Worker(script, { workerData: { placements } satisfies PlacerData, resourceLimits: placerLimits });
  return new Promise<void>((resolve, reject) => {
    const stop = () => void worker.terminate();
    signal?.addEventListener('abort', stop, { once: true });
    const settled = () => signal?.removeEventListener('abort', stop);
    worker.once('message', (_: PlacerDone) => {
      settled();
      resolve();
    });
    worker.once('error', (error) => {
      settled();
      reject(error);
    });
    worker.once('exit', (code) => {
      settled();
      reject(signal?.aborted ? signal.reason : new Error(`the file placer stopped before it finished (exit code ${code})`));
    });
  });
}
