import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Job } from '../../shared/domain';
import { StillframeError } from '../../shared/errors';
import { transaction, type Database } from '../library/database';
import { explainFailure } from '../library/disk-space';
import { deleteVideoFrames, insertFrames } from '../library/frames';
import { measureFiles } from '../library/frame-sizes';
import { recordLeftOutFrames } from '../library/left-out';
import { setAsideLeftOut } from './frame-selection-step';
import { jobOptions, markJobDone } from '../library/jobs';
import { toLibraryRelative, type LibraryPaths } from '../library/paths';
import { getVideoLocation, recordProbe, type VideoLocation } from '../library/videos';
import { downloadLoomVideo } from '../loom/download';
import { rateLimitNotice, type LoomSettings } from '../loom/loom-api';
import { selectionIsActive } from '../../shared/frame-selection';
import { extractFrames, samplingUsesKeyframes, type ExtractedFrame } from '../media/extract';
import type { ExtractionOptions } from '../../shared/sampling';
import { checkSourceFile, probeVideo, type VideoProbe } from '../media/probe';
import type { JobCleanup, JobWorker } from '../queue/queue';

export interface VideoFolders {
  frames: string;
  thumbs: string;
}

/** `frames/<project_id>/<batch_slug>/<video_id>/`, and the same under `thumbs/`. */
export function videoFolders(paths: LibraryPaths, video: Pick<VideoLocation, 'projectId' | 'batchSlug' | 'id'>): VideoFolders {
  return {
    frames: path.join(paths.frames, video.projectId, video.batchSlug, video.id),
    thumbs: path.join(paths.thumbs, video.projectId, video.batchSlug, video.id),
  };
}

export type ExtractionSource =
  | { kind: 'file'; path: string; probe: VideoProbe | null }
  | { kind: 'loom'; loomId: string; settings: LoomSettings };

export interface ExtractVideoArgs {
  source: ExtractionSource;
  options: ExtractionOptions;
  /** This attempt's own temp folder; frames go to its frames/ and thumbs/, a Loom download next to them. */
  temp: string;
  signal: AbortSignal;
  onProgress: (fraction: number) => void;
  onNotice: (notice: string) => void;
  /** Called as FFmpeg is about to start (after any download and the probe). */
  onExtracting?: () => void;
}

export interface ExtractedVideo {
  /** The frames kept; those frame selection left out are set aside in `leftOut`. */
  frames: ExtractedFrame[];
  leftOut: Awaited<ReturnType<typeof setAsideLeftOut>>['leftOut'];
  probe: VideoProbe;
  folders: VideoFolders;
  /** A Loom download, whose size the import could not know, and how long it took. */
  download: { bytes: number; ms: number } | null;
}

/**
 * The one extraction path, shared by this computer's queue and the team's workers: a Loom video is downloaded first
 * (half the progress bar), then probed and extracted into the attempt's temp folder with the job's sampling and
 * frame selection.
 */
export async function extractVideo(args: ExtractVideoArgs): Promise<ExtractedVideo> {
  const { source, options, temp, signal, onProgress, onNotice } = args;
  const folders = { frames: path.join(temp, 'frames'), thumbs: path.join(temp, 'thumbs') };
  mkdirSync(folders.frames, { recursive: true });
  mkdirSync(folders.thumbs, { recursive: true });
  const keyframes = samplingUsesKeyframes(options);
  let input: string;
  let probe: VideoProbe;
  let download: { bytes: number; ms: number } | null = null;
  let extractProgress = onProgress;
  if (source.kind === 'loom') {
    const started = performance.now();
    const downloaded = await downloadLoomVideo({
      id: source.loomId,
      settings: source.settings,
      destDir: temp,
      signal,
      onProgress: (fraction) => onProgress((fraction ?? 0) * 0.5),
      onRateLimited: (waitMs) => onNotice(rateLimitNotice(waitMs)),
    });
    input = downloaded.file;
    download = { bytes: downloaded.bytes, ms: performance.now() - started };
    probe = await probeVideo(input, { signal, keyframes });
    extractProgress = (fraction) => onProgress(0.5 + fraction * 0.5);
  } else {
    input = source.path;
    probe = source.probe ?? (await probeVideo(input, { signal, keyframes }));
  }
  args.onExtracting?.();
  const sampled = await extractFrames({
    input,
    probe,
    options,
    framesDir: folders.frames,
    thumbsDir: folders.thumbs,
    features: selectionIsActive(options.selection),
    signal,
    onProgress: extractProgress,
  });
  if (sampled.length === 0) {
    throw new StillframeError(
      'extraction-failed',
      'No frames matched the sampling for this video. Try a shorter interval or a lower scene threshold.',
    );
  }
  const { frames, leftOut } = await setAsideLeftOut(sampled, options.selection, folders);
  return { frames, leftOut, probe, folders, download };
}

/**
 * Each attempt writes into a folder of its own: an FFmpeg orphaned by a killed app may still be writing into the
 * previous attempt's folder, and must never write into the new one.
 */
function attemptTempDir(paths: LibraryPaths, jobId: string): string {
  return mkdtempSync(path.join(paths.tmp, `job-${jobId}-`));
}

function removeJobTempDirs(paths: LibraryPaths, jobId: string): void {
  for (const entry of readdirSync(paths.tmp)) {
    if (entry.startsWith(`job-${jobId}-`)) rmSync(path.join(paths.tmp, entry), { recursive: true, force: true });
  }
}

/**
 * Extracts one video's frames. FFmpeg writes into the library's tmp/ folder; only a finished extraction is renamed
 * into place, and its frame rows are committed in the same transaction that marks the job done, so a crash at any
 * point leaves either nothing or everything.
 */
export function createExtractionWorker(
  db: Database,
  paths: LibraryPaths,
  /** Asked at each Loom job, so a key set or cleared in Settings applies to the next job without a restart. */
  loomSettings: () => LoomSettings,
  /** Told each finished Loom download's size and how long it took (the monitoring's download speed). */
  onDownloaded: (bytes: number, ms: number) => void = () => undefined,
): { worker: JobWorker; cleanup: JobCleanup } {
  const worker: JobWorker = async (job, signal, onProgress, onNotice, onSlotFree) => {
    try {
      await extract(job, signal, onProgress, onNotice, onSlotFree);
    } catch (error) {
      throw explainFailure(error, paths.root);
    }
  };

  const extract: JobWorker = async (job, signal, onProgress, onNotice, onSlotFree) => {
    const video = getVideoLocation(db, job.videoId);
    if (video.sourceType === 'file' && !existsSync(video.sourcePath)) {
      throw new StillframeError('file-missing', `The source video could not be found at ${video.sourcePath}. It may have been moved or deleted.`);
    }
    if (video.sourceType === 'file') checkSourceFile(video.sourcePath);
    const temp = attemptTempDir(paths, job.id);
    try {
      const options = jobOptions(job);
      const { frames, leftOut, probe, folders: tempFolders, download } = await extractVideo({
        source:
          video.sourceType === 'loom'
            ? { kind: 'loom', loomId: video.contentHash.replace(/^loom:/, ''), settings: loomSettings() }
            : { kind: 'file', path: video.sourcePath, probe: video.probe ? (JSON.parse(video.probe) as VideoProbe) : null },
        options,
        temp,
        signal,
        onProgress,
        onNotice,
      });
      // FFmpeg is done: what is left is moving files and one transaction, which need not hold up the next video.
      onSlotFree();
      if (download !== null) {
        if (download.bytes > 0) onDownloaded(download.bytes, download.ms);
        recordProbe(db, video.id, probe, download.bytes);
      }
      signal.throwIfAborted();
      const target = videoFolders(paths, video);
      for (const folder of [target.frames, target.thumbs]) {
        rmSync(folder, { recursive: true, force: true });
        mkdirSync(path.dirname(folder), { recursive: true });
      }
      renameSync(tempFolders.frames, target.frames);
      renameSync(tempFolders.thumbs, target.thumbs);
      // Measured here, once, so the storage figure is a sum of recorded sizes rather than a stat of every file.
      const sizes = await measureFiles(frames.flatMap((frame) => [path.join(target.frames, frame.fileName), path.join(target.thumbs, frame.fileName)]));
      signal.throwIfAborted();
      transaction(db, () => {
        deleteVideoFrames(db, video.id);
        insertFrames(
          db,
          video.id,
          video.batchId,
          frames.map((frame, n) => ({
            index: frame.index,
            timestampMs: frame.timestampMs,
            width: frame.width,
            height: frame.height,
            path: toLibraryRelative(paths.root, path.join(target.frames, frame.fileName)),
            thumbPath: toLibraryRelative(paths.root, path.join(target.thumbs, frame.fileName)),
            bytes: sizes[2 * n] ?? 0,
            thumbBytes: sizes[2 * n + 1] ?? 0,
          })),
        );
        recordLeftOutFrames(
          db,
          video.id,
          video.batchId,
          leftOut.map((frame) => ({
            index: frame.index,
            timestampMs: frame.timestampMs,
            reason: frame.reason,
            thumbPath: toLibraryRelative(paths.root, path.join(target.thumbs, frame.thumbFile)),
          })),
        );
        markJobDone(db, job);
      });
    } finally {
      rmSync(temp, { recursive: true, force: true });
    }
  };

  const cleanup: JobCleanup = (job: Job) => {
    removeJobTempDirs(paths, job.id);
    let video: VideoLocation;
    try {
      video = getVideoLocation(db, job.videoId);
    } catch {
      return;
    }
    const committed = db.prepare('SELECT 1 FROM frames WHERE video_id = ? LIMIT 1').get(video.id);
    if (committed) return;
    const target = videoFolders(paths, video);
    rmSync(target.frames, { recursive: true, force: true });
    rmSync(target.thumbs, { recursive: true, force: true });
  };

  return { worker, cleanup };
}
