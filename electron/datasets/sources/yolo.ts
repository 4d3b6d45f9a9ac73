import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { StillframeError } from '../../../shared/errors';
import type { ImportNote } from '../../../shared/formats/dataset';
import { baseName } from '../../../shared/formats/file-names';
import { namesFromDataYaml, readDarknetData, readYoloLabels } from '../../../shared/formats/yolo';
import { PackedShapes } from '../../../shared/formats/shape-pack';
import type { DatasetSource, SourceImage, SourceOptions } from '../sources';
import { findFile, imageExtensions, itemPath, kind, readSmallText, readText, walkImages } from './files';

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

async function readUltralytics(file: string): Promise<DatasetSource> {
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
    const labelFile = labelFileFor(image);
    const text = existsSync(labelFile) ? readSmallText(labelFile) : '';
    const labels = readYoloLabels(text, names, itemPath(dir, labelFile), 'data.yaml');
    problems.push(...labels.problems);
    images.push({ item: itemPath(dir, image), fileName: baseName(image), file: existsSync(image) ? image : null, width: null, height: null, shapes: new PackedShapes(labels.shapes), placement: null, batch: null });
  }
  return { format: 'yolo', found: `YOLO (Ultralytics ${path.basename(file)})`, root: dir, labels: names.map((name) => ({ name })), images, problems, warnings: [], converted: [], layout: null };
}

/**
 * The Darknet layout CVAT's "YOLO 1.1" writes: obj.names (one class a line), obj.data pointing at it and at
 * train.txt (image paths under data/), and obj_<subset>_data/ holding each image's .txt beside the image, if exported.
 */
async function readDarknet(root: string): Promise<DatasetSource> {
  const dataFile = path.join(root, 'obj.data');
  const settings = existsSync(dataFile) ? readDarknetData(await readText(dataFile)) : new Map<string, string>();
  // Paths in obj.data and train.txt start with data/, the folder Darknet expects the archive unpacked into.
  const inRoot = (entry: string) => path.join(root, entry.replace(/^(\.\/)?data\//, ''));
  const namesFile = inRoot(settings.get('names') ?? 'obj.names');
  if (!existsSync(namesFile)) throw new StillframeError('invalid-input', `The Darknet YOLO dataset in “${root}” has no ${path.basename(namesFile)} naming its classes.`);
  const names = (await readText(namesFile)).split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '');
  const listed: string[] = [];
  for (const key of ['train', 'valid', 'test']) {
    const list = settings.get(key);
    if (list === undefined || !existsSync(inRoot(list))) continue;
    for (const line of (await readText(inRoot(list))).split(/\r?\n/)) if (line.trim() !== '') listed.push(inRoot(line.trim()));
  }
  // Without a list, or for label files a list leaves out: every obj_*_data/ folder's .txt names an image.
  for (const entry of await readdir(root, { withFileTypes: true })) {
    if (!entry.isDirectory() || !/^obj_.*_data$/.test(entry.name)) continue;
    for (const name of (await readdir(path.join(root, entry.name))).sort()) {
      if (!name.toLowerCase().endsWith('.txt')) continue;
      const stem = path.join(root, entry.name, name.slice(0, -4));
      if (listed.some((image) => image.slice(0, image.length - path.extname(image).length) === stem)) continue;
      const image = [...imageExtensions].map((extension) => `${stem}${extension}`).find((candidate) => existsSync(candidate));
      listed.push(image ?? `${stem}.jpg`);
    }
  }
  const problems: ImportNote[] = [];
  const images: SourceImage[] = [];
  for (const image of [...new Set(listed)]) {
    const labelFile = `${image.slice(0, image.length - path.extname(image).length)}.txt`;
    const text = existsSync(labelFile) ? readSmallText(labelFile) : '';
    const labels = readYoloLabels(text, names, itemPath(root, labelFile), 'obj.names');
    problems.push(...labels.problems);
    images.push({ item: itemPath(root, image), fileName: baseName(image), file: existsSync(image) ? image : null, width: null, height: null, shapes: new PackedShapes(labels.shapes), placement: null, batch: null });
  }
  return { format: 'yolo', found: 'YOLO (Darknet layout: obj.names, obj.data, obj_*_data/)', root, labels: names.map((name) => ({ name })), images, problems, warnings: [], converted: [], layout: null };
}

export async function readYoloSource(from: string, _options: SourceOptions): Promise<DatasetSource> {
  const found = await kind(from);
  const folder = found === 'file' ? path.dirname(from) : from;
  const darknet = found === 'file' ? /^obj\.(names|data)$/.test(path.basename(from)) : existsSync(path.join(from, 'obj.names')) || existsSync(path.join(from, 'obj.data'));
  if (darknet) return readDarknet(folder);
  return readUltralytics(await findFile(from, ['data.yaml', 'data.yml', 'dataset.yaml'], ['.yaml', '.yml'], 'data.yaml or obj.names'));
}
