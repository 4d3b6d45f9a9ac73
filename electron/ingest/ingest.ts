import { createHash } from 'node:crypto';
import { createReadStream, type Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { BatchChoice, IngestedVideo } from '../../shared/contract';
import type { Batch } from '../../shared/domain';
import { StillframeError, toAppError, type AppErrorData } from '../../shared/errors';
import { uuidv7 } from '../../shared/ids';
import type { ExtractionOptions } from '../../shared/sampling';
import { createBatch, getBatch } from '../library/batches';
import { transaction, type Database } from '../library/database';
import { createJob } from '../library/jobs';
import { getProject } from '../library/projects';
import { findVideoByHash, getVideo, insertVideo } from '../library/videos';
import { samplingUsesKeyframes } from '../media/extract';
import { probeVideo } from '../media/probe';
import { loomSettingsFromEnv, resolveLoomLinks, type LoomSettings, type LoomVideoInfo } from '../loom/loom-api';
import { parseLoomLink, type LoomLink } from '../../shared/loom-links';

export interface IngestSettings {
  maxFileBytes: number;
  maxAttempts: number;
  loom: LoomSettings;
}

export function defaultIngestSettings(env: NodeJS.ProcessEnv = process.env): IngestSettings {
  return { maxFileBytes: 5 * 1024 ** 3, maxAttempts: 3, loom: loomSettingsFromEnv(env) };
}

/** Extensions picked up when a whole folder is dropped; single files are always probed, whatever their name. */
const videoExtensions = new Set([
  '.mp4', '.m4v', '.mov', '.mkv', '.webm', '.avi', '.wmv', '.flv', '.mpg', '.mpeg', '.ts', '.mts', '.m2ts', '.3gp', '.ogv',
]);

export interface IngestRequest {
  projectId: string;
  batch: BatchChoice;
  paths: readonly string[];
  /** Loom share or folder links, as the person pasted them. */
  links?: readonly string[];
  options: ExtractionOptions;
  /** The name a person knows the file by, where the host path is not it (browser uploads). */
  displayNames?: ReadonlyMap<string, string>;
  /**
   * Called as each job is committed, so the queue can start on the first video while the rest are still being hashed
   * and probed.
   */
  onQueued?: () => void;
  /**
   * False for "Process on team workers": the videos are added as pending with no job on this computer's queue (the
   * caller uploads them and queues them on the team's).
   */
  queueJobs?: boolean;
}

/** Files named directly, plus the videos inside any folder named, depth first, in name order. */
async function expandPaths(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  const visit = async (entry: string, direct: boolean): Promise<void> => {
    let info: Stats;
    try {
      info = await stat(entry);
    } catch {
      if (direct) files.push(entry);
      return;
    }
    if (info.isDirectory()) {
      const children = (await readdir(entry)).sort((a, b) => a.localeCompare(b));
      for (const child of children) await visit(path.join(entry, child), false);
    } else if (direct || videoExtensions.has(path.extname(entry).toLowerCase())) {
      files.push(entry);
    }
  };
  for (const entry of paths) await visit(path.resolve(entry), true);
  return files;
}

/**
 * Extraction waits for the hash, so it must be fast: in the stream's default 64 KB chunks the per-chunk cost dwarfed
 * SHA-256 itself (a 40 MB clip took 0.2 s, three times as long as in 1 MB chunks).
 */
const hashChunkBytes = 1024 * 1024;

function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file, { highWaterMark: hashChunkBytes })
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** A Loom link (a folder becomes each of its videos) as pending videos; the download happens in the job. */
async function addLoomVideos(
  db: Database,
  settings: IngestSettings,
  request: IngestRequest,
  batch: Batch,
  text: string,
  link: LoomLink,
  jobIds: string[],
): Promise<IngestedVideo[]> {
  let videos: LoomVideoInfo[];
  try {
    videos = await resolveLoomLinks([link], settings.loom);
  } catch (error) {
    return [{ file: text, video: null, duplicateOf: null, error: toAppError(error) }];
  }
  return videos.map((info) => {
    const file = link.kind === 'folder' ? info.shareUrl : text;
    const contentHash = `loom:${info.id}`;
    const duplicateOf = findVideoByHash(db, batch.id, contentHash);
    if (duplicateOf) return { file, video: null, duplicateOf, error: null };
    const id = uuidv7();
    transaction(db, () => {
      insertVideo(db, {
        id,
        projectId: request.projectId,
        batchId: batch.id,
        name: info.title,
        sourceType: 'loom',
        sourcePath: info.shareUrl,
        sourceUrl: info.shareUrl,
        sourceMetadata: info.metadata,
        sizeBytes: 0,
        contentHash,
        status: 'pending',
        error: null,
        probe: null,
      });
      if (request.queueJobs !== false) jobIds.push(createJob(db, id, request.options, { maxAttempts: settings.maxAttempts }));
    });
    request.onQueued?.();
    return { file, video: getVideo(db, id), duplicateOf: null, error: null };
  });
}

function resolveBatch(db: Database, projectId: string, choice: BatchChoice): Batch {
  if ('newName' in choice) return createBatch(db, projectId, choice.newName);
  const batch = getBatch(db, choice.existingId);
  if (batch.projectId !== projectId) throw new StillframeError('invalid-input', 'That batch belongs to another project.');
  return batch;
}

/**
 * Adds files to a batch: each becomes a video row, probed first, so that what is not a video is reported at once
 * (and stays visible as failed) while the rest of the import goes on. Returns the job ids it queued.
 */
export async function ingestFiles(
  db: Database,
  settings: IngestSettings,
  request: IngestRequest,
): Promise<{ batch: Batch; videos: IngestedVideo[]; jobIds: string[] }> {
  getProject(db, request.projectId);
  const files = await expandPaths(request.paths);
  // Links are checked before anything else happens, and before any network request.
  const links = (request.links ?? []).map((text): { text: string; link: LoomLink | null; error: AppErrorData | null } => {
    try {
      return { text, link: parseLoomLink(text), error: null };
    } catch (error) {
      return { text, link: null, error: toAppError(error) };
    }
  });
  if (files.length === 0 && links.every((item) => item.link === null)) {
    const firstBadLink = links.find((item) => item.error !== null)?.error;
    if (firstBadLink) throw new StillframeError('invalid-input', firstBadLink.message);
    throw new StillframeError('invalid-input', 'No videos were found in what you chose. Pick video files or folders that contain them.');
  }
  const batch = resolveBatch(db, request.projectId, request.batch);
  const results: IngestedVideo[] = [];
  const jobIds: string[] = [];
  for (const item of links) {
    if (item.link === null) {
      results.push({ file: item.text, video: null, duplicateOf: null, error: item.error });
      continue;
    }
    results.push(...(await addLoomVideos(db, settings, request, batch, item.text, item.link, jobIds)));
  }
  for (const file of files) {
    const name = request.displayNames?.get(file) ?? path.basename(file);
    try {
      const info = await stat(file).catch(() => {
        throw new StillframeError('file-missing', `“${name}” could not be found. It may have been moved or deleted.`);
      });
      if (!info.isFile()) throw new StillframeError('not-a-video', `“${name}” is not a file.`);
      const tooLarge = info.size > settings.maxFileBytes;
      // Hashing and probing both read the file; run them together so a large import waits once, not twice.
      const probing = tooLarge ? null : probeVideo(file, { keyframes: samplingUsesKeyframes(request.options) });
      const [contentHash, probed] = await Promise.all([
        sha256File(file),
        probing?.then((probe) => ({ probe }), (error: unknown) => ({ error: toAppError(error) })) ?? null,
      ]);
      const duplicateOf = findVideoByHash(db, batch.id, contentHash);
      if (duplicateOf) {
        results.push({ file, video: null, duplicateOf, error: null });
        continue;
      }
      const id = uuidv7();
      const base = { id, projectId: request.projectId, batchId: batch.id, name, sourcePath: file, sizeBytes: info.size, contentHash };
      const probe = probed && 'probe' in probed ? probed.probe : null;
      const probeError = tooLarge
        ? new StillframeError(
            'file-too-large',
            `“${name}” is ${(info.size / 1024 ** 3).toFixed(1)} GB, more than the ${(settings.maxFileBytes / 1024 ** 3).toFixed(1)} GB limit set in Settings.`,
          ).toData()
        : probed && 'error' in probed
          ? probed.error
          : null;
      transaction(db, () => {
        insertVideo(db, { ...base, status: probe ? 'pending' : 'failed', error: probeError, probe });
        if (probe && request.queueJobs !== false) jobIds.push(createJob(db, id, request.options, { maxAttempts: settings.maxAttempts }));
      });
      if (probe) request.onQueued?.();
      results.push({ file, video: getVideo(db, id), duplicateOf: null, error: probeError });
    } catch (error) {
      results.push({ file, video: null, duplicateOf: null, error: toAppError(error) });
    }
  }
  return { batch: getBatch(db, batch.id), videos: results, jobIds };
}
