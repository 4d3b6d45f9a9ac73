import { createHash } from 'node:crypto';
import { createReadStream, type Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { BatchChoice, IngestedVideo } from '../../shared/contract';
import type { Batch } from '../../shared/domain';
import { StillframeError, toAppError, type AppErrorData } from '../../shared/errors';
import { uuidv7 } from '../../shared/ids';
import type { ExtractionOptions } from '../../shared/sampling';
import { checkNewBatchName, createBatch, getBatch } from '../library/batches';
import { transaction, type Database } from '../library/database';
import { createJob } from '../library/jobs';
import { getProject } from '../library/projects';
import { findVideoByHash, getVideo, insertVideo } from '../library/videos';
import { samplingUsesKeyframes } from '../media/extract';
import { isPermissionError, probeVideo, unreadableFile, type VideoProbe } from '../media/probe';
import { loomSettingsFromEnv, resolveLoomLinks, type LoomSettings, type LoomVideoInfo } from '../loom/loom-api';
import { looksLikeLoomLink, parseLoomLink, type LoomLink } from '../../shared/loom-links';
import { hasVideoExtension } from '../../shared/video-files';

export interface IngestSettings {
  maxFileBytes: number;
  maxAttempts: number;
  loom: LoomSettings;
}

export function defaultIngestSettings(env: NodeJS.ProcessEnv = process.env): IngestSettings {
  return { maxFileBytes: 5 * 1024 ** 3, maxAttempts: 3, loom: loomSettingsFromEnv(env) };
}


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
  // Links are followed, so a folder holding a link to itself (or to its parent) would be walked without end: each
  // folder and file is taken once, known by device and inode whatever the path that reached it.
  const seen = new Set<string>();
  const visit = async (entry: string, direct: boolean): Promise<void> => {
    let info: Stats;
    try {
      info = await stat(entry);
    } catch {
      if (direct) files.push(entry);
      return;
    }
    const identity = `${info.dev}:${info.ino}`;
    if (seen.has(identity)) return;
    seen.add(identity);
    if (info.isDirectory()) {
      const children = (await readdir(entry)).sort((a, b) => a.localeCompare(b));
      for (const child of children) await visit(path.join(entry, child), false);
    } else if (direct || hasVideoExtension(entry)) {
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
      .on('error', (error) => reject(isPermissionError(error) ? unreadableFile(error) : error))
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** A Loom link (a folder becomes each of its videos) as pending videos; the download happens in the job. */
async function addLoomVideos(
  db: Database,
  settings: IngestSettings,
  request: IngestRequest,
  ensureBatch: () => Batch,
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
    const id = uuidv7();
    // A batch made for its first video is committed with it: a kill in between leaves no empty batch behind.
    const duplicateOf = transaction(db, () => {
      const batch = ensureBatch();
      const existing = findVideoByHash(db, batch.id, contentHash);
      if (existing) return existing;
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
      return null;
    });
    if (duplicateOf) return { file, video: null, duplicateOf, error: null };
    request.onQueued?.();
    return { file, video: getVideo(db, id), duplicateOf: null, error: null };
  });
}

/** A file read and probed, waiting to become a video row once there is a batch for it. */
interface HeldFile {
  /** Made when the file was read, so rows added together still list in the order their files came. */
  id: string;
  file: string;
  name: string;
  sizeBytes: number;
  contentHash: string;
  probe: VideoProbe | null;
  /** Why it is not a video that can be extracted (probe failed, too large); null for a video. */
  error: AppErrorData | null;
  /** Its place among the results. */
  slot: number;
}

async function readFileForIngest(
  file: string,
  name: string,
  settings: IngestSettings,
  options: ExtractionOptions,
): Promise<Omit<HeldFile, 'slot'>> {
  const info = await stat(file).catch(() => {
    throw new StillframeError('file-missing', `“${name}” could not be found. It may have been moved or deleted.`);
  });
  if (!info.isFile()) throw new StillframeError('not-a-video', `“${name}” is not a file.`);
  const tooLarge = info.size > settings.maxFileBytes;
  // Hashing and probing both read the file; run them together so a large import waits once, not twice.
  const probing = tooLarge ? null : probeVideo(file, { keyframes: samplingUsesKeyframes(options) });
  const [contentHash, probed] = await Promise.all([
    sha256File(file),
    probing?.then((probe) => ({ probe }), (error: unknown) => ({ error: toAppError(error) })) ?? null,
  ]);
  const probe = probed && 'probe' in probed ? probed.probe : null;
  const error = tooLarge
    ? tooLargeError(name, info.size, settings)
    : probed && 'error' in probed
      ? probed.error
      : null;
  return { id: uuidv7(), file, name, sizeBytes: info.size, contentHash, probe, error };
}

function existingBatch(db: Database, projectId: string, existingId: string): Batch {
  const batch = getBatch(db, existingId);
  if (batch.projectId !== projectId) throw new StillframeError('invalid-input', 'That batch belongs to another project.');
  return batch;
}

function resolveBatch(db: Database, projectId: string, choice: BatchChoice): Batch {
  if ('newName' in choice) return createBatch(db, projectId, choice.newName);
  return existingBatch(db, projectId, choice.existingId);
}

function tooLargeError(name: string, sizeBytes: number, settings: IngestSettings): AppErrorData {
  return new StillframeError(
    'file-too-large',
    `“${name}” is ${(sizeBytes / 1024 ** 3).toFixed(1)} GB, more than the ${(settings.maxFileBytes / 1024 ** 3).toFixed(1)} GB limit set in Settings.`,
  ).toData();
}

export interface IngestCheck {
  projectId: string;
  batch: BatchChoice;
  files: readonly { name: string; sizeBytes: number }[];
}

/**
 * What `ingestFiles` would refuse, known before the browser host uploads a byte: the project, the batch choice
 * (thrown, as the import cannot go on), and each file by its name and size (answered per file). Uses the same
 * rules as the import itself.
 */
export function checkIngest(db: Database, settings: IngestSettings, request: IngestCheck): { files: { name: string; error: AppErrorData | null }[] } {
  getProject(db, request.projectId);
  if ('newName' in request.batch) checkNewBatchName(db, request.projectId, request.batch.newName);
  else existingBatch(db, request.projectId, request.batch.existingId);
  return {
    files: request.files.map(({ name, sizeBytes }) => ({
      name,
      error: !hasVideoExtension(name)
        ? new StillframeError('not-a-video', `“${name}” is not a video file. Stillframe imports videos such as MP4, MOV, MKV and WebM.`).toData()
        : sizeBytes > settings.maxFileBytes
          ? tooLargeError(name, sizeBytes, settings)
          : null,
    })),
  };
}

/**
 * Adds files to a batch: each is probed first and becomes a video row, so that what is not a video is reported at
 * once (and stays visible as failed, removable) while the rest of the import goes on. A request in which nothing is
 * a video is refused whole, before a batch is made or anything is added to one. Returns the job ids it queued.
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
  // The batch is made, or added to, only once something in the request is a video: a request of nothing but text
  // files, or of links that lead nowhere, is refused whole and leaves no empty failed batch behind.
  const existing = 'existingId' in request.batch ? resolveBatch(db, request.projectId, request.batch) : null;
  let batch: Batch | null = null;
  const held: HeldFile[] = [];
  const results: IngestedVideo[] = [];
  const jobIds: string[] = [];
  const insertFile = (item: Omit<HeldFile, 'slot'>, into: Batch): IngestedVideo => {
    const duplicateOf = findVideoByHash(db, into.id, item.contentHash);
    if (duplicateOf) return { file: item.file, video: null, duplicateOf, error: null };
    const { id, probe, error } = item;
    transaction(db, () => {
      insertVideo(db, {
        id, projectId: request.projectId, batchId: into.id, name: item.name, sourcePath: item.file, sizeBytes: item.sizeBytes,
        contentHash: item.contentHash, status: probe ? 'pending' : 'failed', error, probe,
      });
      if (probe && request.queueJobs !== false) jobIds.push(createJob(db, id, request.options, { maxAttempts: settings.maxAttempts }));
    });
    if (probe) request.onQueued?.();
    return { file: item.file, video: getVideo(db, id), duplicateOf: null, error };
  };
  const ensureBatch = (): Batch => {
    if (batch !== null) return batch;
    const made = existing ?? resolveBatch(db, request.projectId, request.batch);
    batch = made;
    // Files read before the first video are added now, in the order they came.
    for (const item of held.splice(0)) results[item.slot] = insertFile(item, made);
    return made;
  };
  for (const item of links) {
    if (item.link === null) {
      results.push({ file: item.text, video: null, duplicateOf: null, error: item.error });
      continue;
    }
    results.push(...(await addLoomVideos(db, settings, request, ensureBatch, item.text, item.link, jobIds)));
  }
  for (const file of files) {
    const name = request.displayNames?.get(file) ?? path.basename(file);
    try {
      const item = await readFileForIngest(file, name, settings, request.options);
      const slot = results.length;
      results.push({ file, video: null, duplicateOf: null, error: item.error });
      if (batch === null && item.probe === null) {
        if (!held.some((other) => other.contentHash === item.contentHash)) held.push({ ...item, slot });
      } else {
        // As for Loom videos: the batch and the rows for it commit together.
        results[slot] = transaction(db, () => insertFile(item, ensureBatch()));
      }
    } catch (error) {
      results.push({ file, video: null, duplicateOf: null, error: toAppError(error) });
    }
  }
  if (batch === null) {
    const failures = results.filter((item) => item.error !== null);
    const first = failures[0];
    const label = first && (looksLikeLoomLink(first.file) ? first.file : (request.displayNames?.get(first.file) ?? path.basename(first.file)));
    const more = failures.length > 1 ? ` (and ${failures.length - 1} more that are not videos either)` : '';
    throw new StillframeError(
      first?.error?.code ?? 'invalid-input',
      first ? `Nothing was imported: “${label}”: ${first.error?.message ?? ''}${more}` : 'Nothing was imported.',
    );
  }
  return { batch: getBatch(db, (batch as Batch).id), videos: results, jobIds };
}
