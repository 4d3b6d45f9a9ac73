import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { StillframeError } from '../../../shared/errors';
import type { ImportNote } from '../../../shared/formats/dataset';
import { readVocAnnotation, vocFlagDefs } from '../../../shared/formats/voc';
import type { DatasetSource, LabelSpec, SourceImage, SourceOptions } from '../sources';
import { imageIndex, kind, readText } from './files';

/**
 * The image sets of ImageSets/Main/ (train.txt, val.txt …): one batch each. Per-class lists ("car_train.txt", lines of
 * "id 1") say nothing more, trainval is train and val together, and a lone "default" (CVAT's) is no subset at all.
 */
async function imageSets(root: string): Promise<Map<string, string>> {
  const dir = path.join(root, 'ImageSets', 'Main');
  const sets = new Map<string, string>();
  if ((await kind(dir)) !== 'folder') return sets;
  const files = (await readdir(dir)).filter((name) => name.endsWith('.txt')).sort();
  const lists: [string, string[]][] = [];
  for (const name of files) {
    const lines = (await readText(path.join(dir, name))).split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '');
    if (lines.some((line) => /\s/.test(line))) continue;
    lists.push([name.slice(0, -4), lines]);
  }
  const names = lists.map(([name]) => name);
  const kept = lists.filter(([name]) => !(name === 'trainval' && names.includes('train') && names.includes('val')));
  for (const [name, lines] of kept) for (const stem of lines) if (!sets.has(stem)) sets.set(stem, name);
  if (kept.length === 1 && kept[0]?.[0] === 'default') sets.clear();
  return sets;
}

export async function readVocSource(from: string, options: SourceOptions): Promise<DatasetSource> {
  const found = await kind(from);
  if (found === null) throw new StillframeError('file-missing', `“${from}” does not exist.`);
  const root = found === 'file' ? path.dirname(path.dirname(from)) : from;
  const annotations = path.join(root, 'Annotations');
  if ((await kind(annotations)) !== 'folder') throw new StillframeError('invalid-input', `No Pascal VOC Annotations/ folder was found in “${root}”.`);
  const sets = await imageSets(root);
  const files = (await readdir(annotations)).filter((name) => name.toLowerCase().endsWith('.xml')).sort();
  const index = await imageIndex([...(options.images ? [path.resolve(options.images)] : []), path.join(root, 'JPEGImages'), root]);
  const labels = new Map<string, LabelSpec>();
  const problems: ImportNote[] = [];
  const images: SourceImage[] = [];
  for (const name of files) {
    const item = `Annotations/${name}`;
    const record = readVocAnnotation(await readText(path.join(annotations, name)), item);
    problems.push(...record.problems);
    const stem = name.slice(0, -4);
    const fileName = record.fileName || `${stem}.jpg`;
    const file = index.get(fileName.toLowerCase()) ?? [...index.entries()].find(([key]) => key.slice(0, key.lastIndexOf('.')) === stem.toLowerCase())?.[1] ?? null;
    for (const shape of record.shapes) if (shape.label !== null && !labels.has(shape.label)) labels.set(shape.label, { name: shape.label, attributes: vocFlagDefs.map((def) => ({ ...def })) });
    const set = sets.get(stem) ?? null;
    images.push({ item, fileName: file ? path.basename(file) : fileName, file, width: record.width, height: record.height, shapes: record.shapes, placement: null, batch: set });
  }
  const setNames = [...new Set(sets.values())];
  return {
    format: 'voc',
    found: `Pascal VOC (Annotations/, JPEGImages/${setNames.length > 0 ? `, image sets ${setNames.join(', ')}` : ''})`,
    root,
    labels: [...labels.values()],
    images,
    problems,
    warnings: [],
    converted: [],
    layout: null,
  };
}
