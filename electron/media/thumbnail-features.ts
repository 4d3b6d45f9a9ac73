import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { FrameFeatures } from '../../shared/frame-selection';
import { StillframeError } from '../../shared/errors';
import { resolveFfmpeg } from './binaries';
import { featureFilter, featurePixelFormat, readFeatureFile } from './frame-features';
import { runTool } from './runner';

/** concat lists quote with ' and escape it as '\'' (FFmpeg's own rule for its demuxer's file names). */
const quoted = (file: string): string => `'${resolve(file).replaceAll("'", "'\\''")}'`;

/**
 * Features of frames already in the library, from their thumbnails: one FFmpeg process decodes them all in order
 * (concat demuxer) into the same small grey pictures extraction makes, so a batch is judged as an import would be.
 */
export async function thumbnailFeatures(thumbnails: readonly string[], tmpDir: string): Promise<FrameFeatures[]> {
  if (thumbnails.length === 0) return [];
  const dir = await mkdtemp(join(tmpDir, 'features-'));
  try {
    const list = join(dir, 'thumbnails.txt');
    await writeFile(list, `ffconcat version 1.0\n${thumbnails.map((file) => `file ${quoted(file)}\n`).join('')}`);
    const out = join(dir, 'features.yuv');
    const run = await runTool(resolveFfmpeg(), [
      '-hide_banner', '-nostdin', '-v', 'error', '-y',
      '-f', 'concat', '-safe', '0', '-i', list,
      '-vf', featureFilter, '-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', featurePixelFormat, out,
    ]);
    if (run.code !== 0) throw new StillframeError('extraction-failed', 'Some of these frames’ thumbnails could not be read.', run.stderrTail);
    const features = await readFeatureFile(out, thumbnails.length);
    if (features.length !== thumbnails.length) {
      throw new StillframeError('extraction-failed', 'Some of these frames’ thumbnails could not be read.', run.stderrTail);
    }
    return features;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
