import { copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { StillframeError } from '../../shared/errors';
import { transaction, type Database, type Row } from '../library/database';
import { insertFrames, restoreFrames } from '../library/frames';
import { measureFiles } from '../library/frame-sizes';
import { getLeftOutFrames, markBroughtBack } from '../library/left-out';
import { toLibraryRelative, type LibraryPaths } from '../library/paths';
import { getVideoLocation } from '../library/videos';
import { extractFrameAt } from '../media/extract';
import { probeVideo, type VideoProbe } from '../media/probe';
import { videoFolders } from './extraction-job';

const frameFileName = (index: number): string => `frame_${String(index).padStart(6, '0')}.jpg`;

function placeThumb(from: string, to: string): void {
  rmSync(to, { force: true });
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
  }
}

/**
 * Brings left-out frames back into their batch: each is extracted now from the source video at its own timestamp
 * and takes the index it was sampled with. One brought back before and deleted again (Undo) is simply restored.
 * The image is written in tmp/ and renamed into place before its row is committed, so a crash leaves no broken row.
 */
export async function bringBackFrames(db: Database, paths: LibraryPaths, ids: readonly string[]): Promise<{ frameIds: string[]; batchIds: string[] }> {
  const leftOut = getLeftOutFrames(db, ids);
  if (leftOut.length !== ids.length) throw new StillframeError('not-found', 'Some of those left-out frames no longer exist.');
  const frameIds: string[] = [];
  const batchIds = new Set<string>();
  const probes = new Map<string, VideoProbe>();
  for (const item of leftOut) {
    batchIds.add(item.batchId);
    const existing = db
      .prepare('SELECT id, deleted_at FROM frames WHERE video_id = ? AND frame_index = ?')
      .get(item.videoId, item.index) as Row | undefined;
    if (existing) {
      if (existing.deleted_at != null) restoreFrames(db, [String(existing.id)]);
      markBroughtBack(db, item.id, String(existing.id));
      frameIds.push(String(existing.id));
      continue;
    }
    const video = getVideoLocation(db, item.videoId);
    if (video.sourceType !== 'file' || !existsSync(video.sourcePath)) {
      throw new StillframeError(
        'file-missing',
        video.sourceType === 'file'
          ? `The source video is no longer at ${video.sourcePath}, so its left-out frames cannot be extracted. Put it back there and try again.`
          : 'This Loom video is not kept on this computer, so its left-out frames cannot be extracted again.',
      );
    }
    let probe = probes.get(video.id) ?? (video.probe ? (JSON.parse(video.probe) as VideoProbe) : undefined);
    probe ??= await probeVideo(video.sourcePath, {});
    probes.set(video.id, probe);
    const folders = videoFolders(paths, video);
    const fileName = frameFileName(item.index);
    const temp = mkdtempSync(path.join(paths.tmp, 'bring-back-'));
    try {
      const tempFile = path.join(temp, fileName);
      const frame = await extractFrameAt(video.sourcePath, probe, item.timestampMs, tempFile, 3);
      mkdirSync(folders.frames, { recursive: true });
      mkdirSync(folders.thumbs, { recursive: true });
      const full = path.join(folders.frames, fileName);
      const thumb = path.join(folders.thumbs, fileName);
      renameSync(tempFile, full);
      placeThumb(path.join(paths.root, item.thumbPath), thumb);
      const [bytes = 0, thumbBytes = 0] = await measureFiles([full, thumb]);
      transaction(db, () => {
        insertFrames(db, item.videoId, item.batchId, [
          {
            index: item.index,
            timestampMs: frame.timestampMs,
            width: frame.width,
            height: frame.height,
            path: toLibraryRelative(paths.root, full),
            thumbPath: toLibraryRelative(paths.root, thumb),
            bytes,
            thumbBytes,
          },
        ]);
        const row = db.prepare('SELECT id FROM frames WHERE video_id = ? AND frame_index = ?').get(item.videoId, item.index) as Row;
        markBroughtBack(db, item.id, String(row.id));
        frameIds.push(String(row.id));
      });
    } finally {
      rmSync(temp, { recursive: true, force: true });
    }
  }
  return { frameIds, batchIds: [...batchIds] };
}
