import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { StillframeError } from '../../../shared/errors';
import { readCvat, trackShapesOnFrame } from '../../../shared/formats/cvat';
import { baseName } from '../../../shared/formats/file-names';
import type { DatasetSource, SourceImage, SourceOptions } from '../sources';
import { extractFramesByNumber } from '../video-frames';
import { findFile, imageIndex, readText } from './files';

/** A frame number in a CVAT video export's image name (frame_000042.png). */
function frameNumber(file: string): number | null {
  const match = /(\d+)\.[A-Za-z]+$/.exec(path.basename(file));
  return match ? Number(match[1]) : null;
}

/**
 * CVAT for images 1.1 (annotations.xml with images/ or images/<subset>/, subsets as batches) and CVAT for video 1.1
 * (tracks, the frames from images/ or cut from the video given with --video at the frame numbers the file names).
 */
export async function readCvatSource(from: string, options: SourceOptions): Promise<DatasetSource> {
  const file = await findFile(from, ['annotations.xml'], ['.xml'], 'CVAT annotations.xml');
  const root = path.dirname(file);
  const cvat = readCvat(await readText(file), path.basename(file));
  const folders = [...(options.images ? [path.resolve(options.images)] : []), path.join(root, 'images'), root];
  const labels = cvat.labels.map((label) => ({ ...label }));
  const common = { format: 'cvat' as const, root, labels, problems: cvat.problems, warnings: cvat.warnings, converted: [], layout: null };

  if (cvat.mode === 'images') {
    const index = await imageIndex(folders);
    const images: SourceImage[] = cvat.images.map((image) => {
      const nested = index.get(baseName(image.name).toLowerCase()) ?? null;
      return { item: image.name, fileName: baseName(image.name), file: nested, width: image.width, height: image.height, shapes: image.shapes, placement: null, batch: image.subset };
    });
    const subsets = [...new Set(cvat.images.map((image) => image.subset).filter((subset) => subset !== null))];
    return { ...common, found: `CVAT for images 1.1 (${path.basename(file)}${subsets.length > 0 ? `, subsets ${subsets.join(', ')}` : ''})`, images };
  }

  const frames = new Map<number, string>();
  let where: string;
  if (options.video) {
    const wanted = new Set<number>();
    for (const track of cvat.tracks) {
      const first = track.shapes[0]?.frame ?? 0;
      const last = track.shapes[track.shapes.length - 1]?.frame ?? first;
      const ends = track.shapes[track.shapes.length - 1]?.outside ?? false;
      for (let frame = first; frame <= last - (ends ? 1 : 0); frame++) wanted.add(frame);
    }
    const outDir = path.join(options.workDir, 'video-frames');
    await mkdir(outDir, { recursive: true });
    for (const [frame, picked] of await extractFramesByNumber(path.resolve(options.video), [...wanted], outDir, options.signal)) frames.set(frame, picked);
    if (frames.size === 0) throw new StillframeError('invalid-input', `“${path.basename(options.video)}” has none of the frames the tracks in ${path.basename(file)} are on.`);
    where = `frames cut from ${path.basename(options.video)}`;
  } else {
    for (const image of (await imageIndex(folders)).values()) {
      const number = frameNumber(image);
      if (number !== null && !frames.has(number)) frames.set(number, image);
    }
    where = 'frames from images/';
  }
  const images: SourceImage[] = [...frames.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([number, image]) => ({
      item: `frame ${number}`,
      fileName: path.basename(image),
      file: image,
      width: cvat.frameSize?.width ?? null,
      height: cvat.frameSize?.height ?? null,
      shapes: trackShapesOnFrame(cvat.tracks, number),
      placement: null,
      batch: null,
    }));
  if (images.length === 0) {
    throw new StillframeError('invalid-input', `${path.basename(file)} is a CVAT for video file, and no frames came with it: put them in images/ or name the video with --video.`);
  }
  return { ...common, found: `CVAT for video 1.1 (${cvat.tracks.length} tracks, ${where})`, images };
}
