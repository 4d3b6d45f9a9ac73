import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Job } from '../../shared/domain';
import { StillframeError } from '../../shared/errors';
import { transaction, type Database } from '../library/database';
import { explainFailure } from '../library/disk-space';
import { deleteVideoFrames, insertFrames } from '../library/frames';
import { recordLeftOutFrames } from '../library/left-out';
import { setAsideLeftOut } from './frame-selection-step';
import { jobOptions, markJobDone } from '../library/jobs';
import { toLibraryRelative, type LibraryPaths } from '../library/paths';
import { getVideoLocation, recordProbe, type VideoLocation } from '../library/videos';
import { downloadLoomVideo } from '../loom/download';
import { rateLimitNotice, type LoomSettings } from '../loom/loom-api';
import { selectionIsActive } from '../../shared/frame-selection';
import { extractFrames, samplingUsesKeyframes } from '../media/extract';
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
  const worker: JobWorker = async (job, signal, onProgress, onNotice) => {
    try {
      await extract(job, signal, onProgress, onNotice);
    } catch (error) {
      throw explainFailure(error, paths.root);
    }
  };

  const extract: JobWorker = async (job, signal, onProgress, onNotice) => {
    const video = getVideoLocation(db, job.videoId);
    if (video.sourceType === 'file' && !existsSync(video.sourcePath)) {
      throw new StillframeError('file-missing', `The source video could not be found at ${video.sourcePath}. It may have been moved or deleted.`);
    }
    if (video.sourceType === 'file') await checkSourceFile(video.sourcePath);
    const temp = attemptTempDir(paths, job.id);
    const tempFolders = { frames: path.join(temp, 'frames'), thumbs: path.join(temp, 'thumbs') };
    mkdirSync(tempFolders.frames, { recursive: true });
    mkdirSync(tempFolders.thumbs, { recursive: true });
    try {
      // A Loom video is downloaded into this attempt's temp folder first (half the progress bar), so the download
      // is removed with it whether the extraction succeeds or not.
      let input = video.sourcePath;
      let probe: VideoProbe;
      let extractProgress = onProgress;
      if (video.sourceType === 'loom') {
        const downloadStarted = performance.now();
        const download = await downloadLoomVideo({
          id: video.contentHash.replace(/^loom:/, ''),
          settings: loomSettings(),
          destDir: temp,
          signal,
          onProgress: (fraction) => onProgress((fraction ?? 0) * 0.5),
          onRateLimited: (waitMs) => onNotice(rateLimitNotice(waitMs)),
        });
        if (download.bytes > 0) onDownloaded(download.bytes, performance.now() - downloadStarted);
        input = download.file;
        probe = await probeVideo(input, { signal, keyframes: samplingUsesKeyframes(jobOptions(job)) });
        recordProbe(db, video.id, probe, download.bytes);
        extractProgress = (fraction) => onProgress(0.5 + fraction * 0.5);
      } else {
        probe = video.probe ? (JSON.parse(video.probe) as VideoProbe) : await probeVideo(input, { signal });
      }
      const options = jobOptions(job);
      const sampled = await extractFrames({
        input,
        probe,
        options,
        framesDir: tempFolders.frames,
        thumbsDir: tempFolders.thumbs,
        features: selectionIsActive(options.selection),
        signal,
        onProgress: extractProgress,
      });
      const { frames, leftOut } = await setAsideLeftOut(sampled, options.selection, tempFolders);
      if (sampled.length === 0) {
        throw new StillframeError(
          'extraction-failed',
          'No frames matched the sampling for this video. Try a shorter interval or a lower scene threshold.',
        );
      }
      signal.throwIfAborted();
      const target = videoFolders(paths, video);
      for (const folder of [target.frames, target.thumbs]) {
        rmSync(folder, { recursive: true, force: true });
        mkdirSync(path.dirname(folder), { recursive: true });
      }
      renameSync(tempFolders.frames, target.frames);
      renameSync(tempFolders.thumbs, target.thumbs);
      signal.throwIfAborted();
      transaction(db, () => {
        deleteVideoFrames(db, video.id);
        insertFrames(
          db,
          video.id,
          video.batchId,
          frames.map((frame) => ({
            index: frame.index,
            timestampMs: frame.timestampMs,
            width: frame.width,
            height: frame.height,
            path: toLibraryRelative(paths.root, path.join(target.frames, frame.fileName)),
            thumbPath: toLibraryRelative(paths.root, path.join(target.thumbs, frame.fileName)),
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
