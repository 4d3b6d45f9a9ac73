import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { countDecisions, selectFrames, type Selection } from '../../shared/frame-selection';
import type { Sampling } from '../../shared/sampling';
import type { Database, Row } from '../library/database';
import type { LibraryPaths } from '../library/paths';
import { extractFrames, samplingUsesKeyframes } from '../media/extract';
import { probeVideo, type VideoProbe } from '../media/probe';
import { thumbnailFeatures } from '../media/thumbnail-features';

/** How many frames the sampling takes from the whole video: known for time and frame-count sampling, else scaled. */
function sampledInWhole(sampling: Sampling, probe: VideoProbe, sampledInWindow: number, windowMs: number): number {
  if (sampling.mode === 'every') return Math.max(1, Math.ceil(probe.durationMs / 1000 / sampling.seconds - 1e-9));
  if (sampling.mode === 'nth' && probe.frameRate !== null) {
    return Math.max(1, Math.ceil(((probe.durationMs / 1000) * probe.frameRate) / sampling.n - 1e-9));
  }
  return Math.round(sampledInWindow * (windowMs > 0 ? probe.durationMs / windowMs : 1));
}

export interface EstimateRequest {
  path: string;
  sampling: Sampling;
  maxFrames?: number;
  selection: Selection;
  seconds: number;
}

/**
 * How many frames an import would keep, from its first seconds: the share kept there, scaled to the whole video.
 * Only the thumbnails and features are looked at; the extracted files go with the temp folder.
 */
export async function estimateSelection(paths: LibraryPaths, request: EstimateRequest) {
  const keyframes = samplingUsesKeyframes({ sampling: request.sampling, jpegQuality: 3 });
  const probe = await probeVideo(request.path, { keyframes });
  const windowMs = Math.min(probe.durationMs, request.seconds * 1000);
  const temp = mkdtempSync(path.join(paths.tmp, 'estimate-'));
  try {
    const folders = { frames: path.join(temp, 'frames'), thumbs: path.join(temp, 'thumbs') };
    mkdirSync(folders.frames);
    mkdirSync(folders.thumbs);
    const frames = await extractFrames({
      input: request.path,
      probe: { ...probe, durationMs: windowMs },
      options: { sampling: request.sampling, jpegQuality: 31 },
      framesDir: folders.frames,
      thumbsDir: folders.thumbs,
      features: true,
      untilMs: windowMs,
    });
    const { pick, ...filters } = request.selection;
    const kept = countDecisions(selectFrames(frames.map((frame) => frame.features!), { ...filters, pick: null })).kept;
    const limit = request.maxFrames ?? Number.POSITIVE_INFINITY;
    const total = Math.min(limit, sampledInWhole(request.sampling, probe, frames.length, windowMs));
    const share = frames.length === 0 ? 0 : kept / frames.length;
    const estimatedKept = Math.min(pick ?? Number.POSITIVE_INFINITY, Math.round(total * share));
    return { sampled: frames.length, kept, total, estimatedKept };
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

/** The frames of a batch the filters would take away, video by video, judged on their thumbnails in time order. */
export async function previewBatchSelection(db: Database, paths: LibraryPaths, batchId: string, selection: Selection) {
  const rows = db
    .prepare('SELECT id, video_id, thumb_path, timestamp_ms FROM frames WHERE batch_id = ? AND deleted_at IS NULL ORDER BY video_id, timestamp_ms')
    .all(batchId) as Row[];
  const byVideo = new Map<string, Row[]>();
  for (const row of rows) byVideo.set(String(row.video_id), [...(byVideo.get(String(row.video_id)) ?? []), row]);
  const remove: { frameId: string; thumbPath: string; timestampMs: number; reason: 'duplicate' | 'blurry' | 'not-picked' }[] = [];
  for (const frames of byVideo.values()) {
    const features = await thumbnailFeatures(
      frames.map((row) => path.join(paths.root, String(row.thumb_path))),
      paths.tmp,
    );
    selectFrames(features, selection).forEach((decision, i) => {
      const row = frames[i];
      if (decision === 'kept' || row === undefined) return;
      remove.push({ frameId: String(row.id), thumbPath: String(row.thumb_path), timestampMs: Number(row.timestamp_ms), reason: decision });
    });
  }
  return { remove, total: rows.length };
}
