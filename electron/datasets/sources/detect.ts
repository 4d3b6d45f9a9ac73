import { open, readdir } from 'node:fs/promises';
import path from 'node:path';
import { StillframeError } from '../../../shared/errors';
import type { DatasetFormat } from '../../../shared/formats/dataset';
import { formatOfFile, formatOfFolder } from '../../../shared/formats/detect';
import { kind } from './files';

async function head(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(16 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** The format of a dataset folder or annotation file (a zip is unpacked before it gets here); says why when it cannot tell. */
export async function detectFormat(target: string): Promise<DatasetFormat> {
  const found = await kind(target);
  if (found === null) throw new StillframeError('file-missing', `“${target}” does not exist.`);
  if (found === 'file') {
    const format = formatOfFile(path.basename(target), await head(target));
    if (format === null) throw new StillframeError('invalid-input', `Stillframe cannot tell which tool wrote “${path.basename(target)}”. Name the format with --format.`);
    return format;
  }
  const entries = await readdir(target, { withFileTypes: true });
  const byName = formatOfFolder(entries.map((entry) => (entry.isDirectory() ? `${entry.name}/` : entry.name)));
  if (byName !== null) return byName;
  // Annotation files one level down: annotations/instances_val2017.json, or the single folder a zip unpacks into.
  const candidates = entries.filter((entry) => entry.isFile()).map((entry) => path.join(target, entry.name));
  const annotations = entries.find((entry) => entry.isDirectory() && entry.name.toLowerCase() === 'annotations');
  if (annotations) for (const name of await readdir(path.join(target, annotations.name))) candidates.push(path.join(target, annotations.name, name));
  for (const file of candidates) {
    const format = formatOfFile(path.basename(file), await head(file).catch(() => ''));
    if (format !== null && format !== 'voc') return format;
  }
  const folders = entries.filter((entry) => entry.isDirectory());
  if (folders.length === 1 && candidates.length === 0) return detectFormat(path.join(target, folders[0]?.name ?? ''));
  throw new StillframeError('invalid-input', `Stillframe found no dataset it knows in “${target}” (COCO, CVAT, Pascal VOC, YOLO, VoTT, Label Studio or Stillframe JSON). Name the format with --format.`);
}

/** The folder that holds the dataset: a zip that unpacks into one folder holds it there. */
export async function datasetRoot(folder: string): Promise<string> {
  const entries = (await readdir(folder, { withFileTypes: true })).filter((entry) => !entry.name.startsWith('.') && entry.name !== '__MACOSX');
  const only = entries[0];
  if (entries.length === 1 && only?.isDirectory()) return datasetRoot(path.join(folder, only.name));
  return folder;
}
