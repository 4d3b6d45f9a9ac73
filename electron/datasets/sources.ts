import path from 'node:path';
import { StillframeError } from '../../shared/errors';
import type { DatasetFormat, ImportFormat, ImportLabel, ImportNote, ImportShape, ReasonCount } from '../../shared/formats/dataset';
import type { StillframeVideo } from '../../shared/formats/stillframe';
import type { PackedShapes } from '../../shared/formats/shape-pack';
import { readCocoSource } from './sources/coco';
import { readCvatSource } from './sources/cvat';
import { datasetRoot, detectFormat } from './sources/detect';
import { kind } from './sources/files';
import { readLabelStudioSource } from './sources/label-studio';
import { readStillframeSource } from './sources/stillframe';
import { readVocSource } from './sources/voc';
import { readVottSource } from './sources/vott';
import { readYoloSource } from './sources/yolo';
import { unzipTo } from './unzip';

/** What an import reads from a dataset, whatever its format. */
export interface DatasetSource {
  format: DatasetFormat;
  /** The format and layout found, in words ("COCO annotations/instances_val2017.json, images in val2017/"). */
  found: string;
  /** The dataset's folder; its name names the batch and video that new images go into. */
  root: string;
  /** Labels the dataset declares (categories, class names), in its order, with what the format adds. */
  labels: LabelSpec[];
  images: SourceImage[];
  problems: ImportNote[];
  warnings: ImportNote[];
  /** Shapes read in another form than the dataset gives them (RLE masks as outlines), per reason. */
  converted: ReasonCount[];
  /** Stillframe files only: where each new frame goes. */
  layout: { batches: string[]; videos: StillframeVideo[] } | null;
}

export type LabelSpec = ImportLabel;

export interface SourceImage {
  /** How problems name it. */
  item: string;
  /** The name matched against the project's frames. */
  fileName: string;
  /** The image file, when the dataset has it. */
  file: string | null;
  width: number | null;
  height: number | null;
  /** Packed (shape-pack.ts) by the formats read image by image, so a large dataset's shapes are not all objects at once. */
  shapes: ImportShape[] | PackedShapes<string>;
  placement: { batch: string; video: number; index: number; timestampMs: number; name: string } | null;
  /** The subset the dataset files it under (CVAT subsets, VOC image sets): new frames go into a batch of that name. */
  batch: string | null;
}

export interface SourceOptions {
  /** Where the images are, when not where the format's tools put them. */
  images?: string;
  /** CVAT for video: the video the tracks were drawn on, to cut their frames from. */
  video?: string;
  /** A scratch folder for what the import unpacks or extracts; the caller removes it. */
  workDir: string;
  signal?: AbortSignal;
}

/** Reads a dataset folder, annotation file or .zip of either; `auto` detects the format first. */
export async function readDatasetSource(format: ImportFormat, from: string, options: SourceOptions): Promise<DatasetSource> {
  await checkGivenPaths(options);
  let resolved = path.resolve(from);
  if ((await kind(resolved)) === 'file' && resolved.toLowerCase().endsWith('.zip')) {
    resolved = await datasetRoot(await unzipTo(resolved, path.join(options.workDir, 'unzipped'), options.signal));
  }
  const chosen = format === 'auto' ? await detectFormat(resolved) : format;
  const source = await readFormat(chosen, resolved, options);
  // A zip's dataset is named after the zip, not the scratch folder it was unpacked into.
  if (resolved !== path.resolve(from) && path.resolve(source.root).startsWith(path.resolve(options.workDir))) {
    source.root = path.join(path.dirname(path.resolve(from)), path.basename(from, path.extname(from)));
  }
  return source;
}

/** A folder or video the person named that is not there would otherwise be passed over without a word. */
async function checkGivenPaths(options: SourceOptions): Promise<void> {
  if (options.images !== undefined) {
    const found = await kind(options.images);
    if (found === null) throw new StillframeError('file-missing', `The images folder “${options.images}” (--images) does not exist.`);
    if (found !== 'folder') throw new StillframeError('invalid-input', `“${options.images}” (--images) is a file, not a folder of images.`);
  }
  if (options.video !== undefined) {
    const found = await kind(options.video);
    if (found === null) throw new StillframeError('file-missing', `The video “${options.video}” (--video) does not exist.`);
    if (found !== 'file') throw new StillframeError('invalid-input', `“${options.video}” (--video) is a folder, not a video file.`);
  }
}

function readFormat(format: DatasetFormat, from: string, options: SourceOptions): Promise<DatasetSource> {
  switch (format) {
    case 'coco':
      return readCocoSource(from, options);
    case 'cvat':
      return readCvatSource(from, options);
    case 'voc':
      return readVocSource(from, options);
    case 'yolo':
      return readYoloSource(from, options);
    case 'vott':
      return readVottSource(from, options);
    case 'label-studio':
      return readLabelStudioSource(from, options);
    case 'stillframe':
      return readStillframeSource(from, options.signal);
  }
}
