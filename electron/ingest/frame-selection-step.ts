import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { selectFrames, selectionIsActive, type LeftOutReason, type Selection } from '../../shared/frame-selection';
import type { ExtractedFrame } from '../media/extract';

/** Left-out frames keep their thumbnail here, inside the video's thumbnail folder, for "Show left-out frames". */
export const leftOutFolder = 'left-out';

export interface SetAsideFrame {
  index: number;
  timestampMs: number;
  reason: LeftOutReason;
  /** Relative to the video's thumbnail folder. */
  thumbFile: string;
}

/**
 * Applies the selection to a finished extraction: a left-out frame's full-size image is removed (bringing it back
 * extracts it again) and its thumbnail moves to `left-out/`. Frames keep their sampled index, so one brought back
 * later takes its own place in time order.
 */
export async function setAsideLeftOut(
  frames: ExtractedFrame[],
  selection: Selection | undefined,
  folders: { frames: string; thumbs: string },
): Promise<{ frames: ExtractedFrame[]; leftOut: SetAsideFrame[] }> {
  if (!selectionIsActive(selection)) return { frames, leftOut: [] };
  const decisions = selectFrames(
    frames.map((frame) => {
      if (frame.features === undefined) throw new Error('Frame selection needs the extraction to compute features.');
      return frame.features;
    }),
    selection,
  );
  const kept: ExtractedFrame[] = [];
  const leftOut: SetAsideFrame[] = [];
  await mkdir(path.join(folders.thumbs, leftOutFolder), { recursive: true });
  for (const [i, frame] of frames.entries()) {
    const decision = decisions[i] ?? 'kept';
    if (decision === 'kept') {
      kept.push(frame);
      continue;
    }
    const thumbFile = `${leftOutFolder}/${frame.fileName}`;
    await rm(path.join(folders.frames, frame.fileName), { force: true });
    await rename(path.join(folders.thumbs, frame.fileName), path.join(folders.thumbs, thumbFile));
    leftOut.push({ index: frame.index, timestampMs: frame.timestampMs, reason: decision, thumbFile });
  }
  return { frames: kept, leftOut };
}
