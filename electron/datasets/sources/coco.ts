import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { StillframeError } from '../../../shared/errors';
import { CocoReader, missingCocoMember, type CocoDataset } from '../../../shared/formats/coco';
import { baseName } from '../../../shared/formats/file-names';
import type { DatasetSource, SourceOptions } from '../sources';
import { findFile, imageIndex, kind } from './files';
import { readJsonStream } from './json-stream';

/** `instances_val2017.json` → `val2017`, `train.json` → `train`: the subset a COCO file's name says it holds. */
function subsetOf(file: string): string | null {
  const stem = path.basename(file, path.extname(file)).replace(/\.coco$/i, '');
  const subset = stem.replace(/^(instances|person_keypoints|keypoints|annotations?)_?/i, '');
  return subset === '' || /^_?annotations?$/i.test(stem) ? null : subset;
}

const cocoArrays = new Set(['categories', 'images', 'annotations']);

/** The COCO file, read element by element (json-stream.ts): the file is never held whole, only what it describes. */
async function readCocoFile(file: string, signal: AbortSignal | undefined): Promise<CocoDataset> {
  const reader = new CocoReader();
  const seen = new Set<string>();
  const notCoco = (why: string) => new StillframeError('invalid-input', `“${path.basename(file)}” is not a COCO instances file (${why}).`);
  await readJsonStream(
    file,
    cocoArrays,
    {
      onMember(key) {
        if (cocoArrays.has(key)) throw notCoco(`${key}: expected an array`);
      },
      onArray(key) {
        seen.add(key);
      },
      onElement(key, value) {
        if (key === 'categories') reader.category(value);
        else if (key === 'images') reader.image(value);
        else reader.annotation(value);
      },
    },
    signal,
  );
  const missing = missingCocoMember(seen);
  if (missing !== null) throw notCoco(missing);
  return reader.finish();
}

/** The COCO file in a dataset folder: one of the usual names, else the only .json beside it or in annotations/. */
async function cocoFile(from: string): Promise<string> {
  const annotations = path.join(from, 'annotations');
  if ((await kind(from)) === 'folder' && (await kind(annotations)) === 'folder') {
    const files = (await readdir(annotations)).filter((name) => name.toLowerCase().endsWith('.json')).sort();
    const instances = files.filter((name) => !/^(captions|person_keypoints|image_info)_/i.test(name));
    const only = (instances.length === 1 ? instances : files.length === 1 ? files : [])[0];
    if (only !== undefined) return path.join(annotations, only);
    if (files.length > 1) {
      throw new StillframeError('invalid-input', `“${annotations}” holds ${files.length} COCO files (${files.join(', ')}). Point --from at the one to import.`);
    }
  }
  return findFile(from, ['annotations.json', 'instances.json', '_annotations.coco.json'], ['.json'], 'COCO annotation file');
}

/**
 * COCO, with its images where the tools put them: beside the JSON (Roboflow), in images/ or images/<subset>/ beside
 * the annotations folder (CVAT, Datumaro), in <subset>/ beside it (the official val2017 layout), or in --images.
 */
export async function readCocoSource(from: string, options: SourceOptions): Promise<DatasetSource> {
  const file = await cocoFile(from);
  const dir = path.dirname(file);
  const root = path.basename(dir) === 'annotations' ? path.dirname(dir) : dir;
  const coco = await readCocoFile(file, options.signal);
  const subset = subsetOf(file);
  const folders = [
    ...(options.images ? [['--images', path.resolve(options.images)] as const] : []),
    ['beside the JSON', dir] as const,
    ...(subset ? [[`images/${subset}/`, path.join(root, 'images', subset)] as const, [`${subset}/`, path.join(root, subset)] as const] : []),
    ['images/', path.join(root, 'images')] as const,
    ['the dataset folder', root] as const,
  ];
  const used = new Map<string, number>();
  const locate = (name: string): string | null => {
    if (path.isAbsolute(name)) {
      if (!existsSync(name)) return null;
      used.set('the paths the file gives', (used.get('the paths the file gives') ?? 0) + 1);
      return name;
    }
    for (const [where, folder] of folders) {
      for (const candidate of [path.join(folder, name), path.join(folder, path.basename(name))]) {
        if (existsSync(candidate)) {
          used.set(where, (used.get(where) ?? 0) + 1);
          return candidate;
        }
      }
    }
    return null;
  };
  // An image not where its file name says may sit deeper below one of the folders (--images/shop/, images/<other subset>/).
  let nested: { where: string; index: Map<string, string> }[] | null = null;
  const images = [];
  for (const image of coco.images) {
    let found = locate(image.fileName);
    if (found === null && !path.isAbsolute(image.fileName)) {
      nested ??= await Promise.all(folders.slice(0, -1).map(async ([where, folder]) => ({ where, index: await imageIndex([folder]) })));
      for (const { where, index } of nested) {
        found = index.get(baseName(image.fileName).toLowerCase()) ?? null;
        if (found === null) continue;
        used.set(where, (used.get(where) ?? 0) + 1);
        break;
      }
    }
    images.push({
      item: image.fileName,
      fileName: baseName(image.fileName),
      file: found,
      width: image.width,
      height: image.height,
      shapes: image.shapes,
      placement: null,
      batch: null,
    });
  }
  const where = [...used].sort((a, b) => b[1] - a[1])[0]?.[0];
  const imagesFound = where === undefined ? 'no image found' : where.endsWith('/') ? `images in ${where}` : `images from ${where}`;
  return {
    format: 'coco',
    found: `COCO ${path.relative(root, file).split(path.sep).join('/') || path.basename(file)}, ${imagesFound}`,
    root,
    labels: coco.labels,
    images,
    problems: coco.problems,
    warnings: coco.warnings,
    converted: [...coco.converted].map(([reason, count]) => ({ reason, count })),
    layout: null,
  };
}
