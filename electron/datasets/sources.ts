import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { LabelAttributeDef } from '../../shared/annotations';
import { StillframeError } from '../../shared/errors';
import { readCoco } from '../../shared/formats/coco';
import type { ImportFormat, ImportNote, ImportShape } from '../../shared/formats/dataset';
import { baseName } from '../../shared/formats/file-names';
import { stillframeDocumentSchema, type StillframeVideo } from '../../shared/formats/stillframe';
import { namesFromDataYaml, readYoloLabels } from '../../shared/formats/yolo';

/** What an import reads from a dataset, whatever its format. */
export interface DatasetSource {
  format: ImportFormat;
  /** The dataset's folder; its name names the batch and video that new images go into. */
  root: string;
  /** Labels the dataset declares (categories, class names), in its order, with what Stillframe files add. */
  labels: LabelSpec[];
  images: SourceImage[];
  problems: ImportNote[];
  warnings: ImportNote[];
  /** Stillframe files only: where each new frame goes. */
  layout: { batches: string[]; videos: StillframeVideo[] } | null;
}

export interface LabelSpec {
  name: string;
  color?: string;
  hotkey?: number | null;
  attributes?: LabelAttributeDef[];
}

export interface SourceImage {
  /** How problems name it. */
  item: string;
  /** The name matched against the project's frames. */
  fileName: string;
  /** The image file, when the dataset has it. */
  file: string | null;
  width: number | null;
  height: number | null;
  shapes: ImportShape[];
  placement: { batch: string; video: number; index: number; timestampMs: number; name: string } | null;
}

const imageExtensions = new Set(['.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff']);

async function kind(target: string): Promise<'file' | 'folder' | null> {
  const info = await stat(target).catch(() => null);
  return info === null ? null : info.isDirectory() ? 'folder' : 'file';
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new StillframeError('file-missing', `“${file}” could not be read: ${(error as Error).message}`);
  }
}

/** The annotation file inside a dataset folder: the first candidate that exists, else the only file of that kind. */
async function findFile(from: string, candidates: readonly string[], extensions: readonly string[], what: string): Promise<string> {
  const found = await kind(from);
  if (found === null) throw new StillframeError('file-missing', `“${from}” does not exist.`);
  if (found === 'file') return from;
  for (const candidate of candidates) {
    const file = path.join(from, candidate);
    if ((await kind(file)) === 'file') return file;
  }
  const loose = (await readdir(from)).filter((name) => extensions.includes(path.extname(name).toLowerCase()));
  if (loose.length === 1) return path.join(from, loose[0] ?? '');
  throw new StillframeError('invalid-input', `No ${what} was found in “${from}”. Point --from at the file itself.`);
}

async function readCocoSource(from: string): Promise<DatasetSource> {
  const file = await findFile(from, ['annotations/instances.json', 'annotations.json', 'instances.json'], ['.json'], 'COCO annotation file');
  const dir = path.dirname(file);
  const root = path.basename(dir) === 'annotations' ? path.dirname(dir) : dir;
  const coco = readCoco(await readText(file), path.basename(file));
  const locate = (name: string): string | null => {
    if (path.isAbsolute(name)) return existsSync(name) ? name : null;
    const candidates = [path.join(dir, name), path.join(root, 'images', name), path.join(root, name), path.join(dir, 'images', name)];
    return candidates.find((candidate) => existsSync(candidate)) ?? null;
  };
  return {
    format: 'coco',
    root,
    labels: coco.labels.map((name) => ({ name })),
    images: coco.images.map((image) => ({
      item: image.fileName,
      fileName: baseName(image.fileName),
      file: locate(image.fileName),
      width: image.width,
      height: image.height,
      shapes: image.shapes,
      placement: null,
    })),
    problems: coco.problems,
    warnings: coco.warnings,
    layout: null,
  };
}

async function walkImages(dir: string, found: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await walkImages(full, found);
    else if (imageExtensions.has(path.extname(entry.name).toLowerCase())) found.push(full);
  }
}

/** Ultralytics finds a label file by swapping the last /images/ of the image's path for /labels/ and its extension for .txt. */
function labelFileFor(image: string): string {
  const parts = image.split(path.sep);
  const at = parts.lastIndexOf('images');
  if (at >= 0) parts[at] = 'labels';
  const swapped = parts.join(path.sep);
  return `${swapped.slice(0, swapped.length - path.extname(swapped).length)}.txt`;
}

/** The images a data.yaml names: folders (searched through) or .txt lists of image paths, for train, val and test. */
async function yoloImages(doc: Record<string, unknown>, yamlDir: string): Promise<string[]> {
  const base = typeof doc.path === 'string' ? path.resolve(yamlDir, doc.path) : yamlDir;
  const root = existsSync(base) ? base : yamlDir;
  const entries = ['train', 'val', 'test'].flatMap((key) => {
    const value = doc[key];
    return typeof value === 'string' ? [value] : Array.isArray(value) ? value.map(String) : [];
  });
  const images: string[] = [];
  for (const entry of entries.length > 0 ? entries : ['images']) {
    const target = path.resolve(root, entry);
    const found = await kind(target);
    if (found === 'folder') await walkImages(target, images);
    else if (found === 'file') {
      for (const line of (await readText(target)).split(/\r?\n/)) {
        if (line.trim() !== '') images.push(path.resolve(root, line.trim()));
      }
    }
  }
  return [...new Set(images)];
}

async function readYoloSource(from: string): Promise<DatasetSource> {
  const file = await findFile(from, ['data.yaml', 'data.yml', 'dataset.yaml'], ['.yaml', '.yml'], 'data.yaml');
  const dir = path.dirname(file);
  let doc: unknown;
  try {
    doc = parseYaml(await readText(file));
  } catch (error) {
    throw new StillframeError('invalid-input', `“${path.basename(file)}” is not valid YAML: ${(error as Error).message}`);
  }
  const names = namesFromDataYaml(doc, path.basename(file));
  const problems: ImportNote[] = [];
  const images: SourceImage[] = [];
  for (const image of await yoloImages(doc as Record<string, unknown>, dir)) {
    const item = path.relative(dir, image).split(path.sep).join('/');
    const labelFile = labelFileFor(image);
    const text = existsSync(labelFile) ? await readText(labelFile) : '';
    const labels = readYoloLabels(text, names, path.relative(dir, labelFile).split(path.sep).join('/'));
    problems.push(...labels.problems);
    images.push({ item, fileName: baseName(image), file: existsSync(image) ? image : null, width: null, height: null, shapes: labels.shapes, placement: null });
  }
  return { format: 'yolo', root: dir, labels: names.map((name) => ({ name })), images, problems, warnings: [], layout: null };
}

async function readStillframeSource(from: string): Promise<DatasetSource> {
  const file = await findFile(from, ['stillframe.json'], ['.json'], 'Stillframe JSON file');
  const dir = path.dirname(file);
  let json: unknown;
  try {
    json = JSON.parse(await readText(file));
  } catch (error) {
    throw new StillframeError('invalid-input', `“${path.basename(file)}” is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = stillframeDocumentSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? `${issue.path.join('.')}: ${issue.message}` : 'unexpected content';
    throw new StillframeError('invalid-input', `“${path.basename(file)}” is not a Stillframe dataset file (${where}).`);
  }
  const document = parsed.data;
  const problems: ImportNote[] = [];
  const videoKeys = new Set(document.videos.map((video) => video.key));
  const images: SourceImage[] = [];
  for (const frame of document.frames) {
    const item = frame.file;
    if (!videoKeys.has(frame.video)) {
      problems.push({ item, message: `its video ${frame.video} is not listed in "videos"` });
      continue;
    }
    const full = path.resolve(dir, frame.file);
    images.push({
      item,
      fileName: baseName(frame.file),
      file: existsSync(full) ? full : null,
      width: frame.width,
      height: frame.height,
      shapes: frame.shapes,
      placement: { batch: frame.batch, video: frame.video, index: frame.index, timestampMs: frame.timestampMs, name: frame.name },
    });
  }
  return {
    format: 'stillframe',
    root: dir,
    labels: document.labels,
    images,
    problems,
    warnings: [],
    layout: { batches: document.batches.map((batch) => batch.name), videos: document.videos },
  };
}

export function readDatasetSource(format: ImportFormat, from: string): Promise<DatasetSource> {
  const resolved = path.resolve(from);
  switch (format) {
    case 'coco':
      return readCocoSource(resolved);
    case 'yolo':
      return readYoloSource(resolved);
    case 'stillframe':
      return readStillframeSource(resolved);
  }
}
