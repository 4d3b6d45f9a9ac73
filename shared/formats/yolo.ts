import { StillframeError } from '../errors';
import { skipReasons, type DatasetShape, type ImportNote, type ImportShape, type ShapeTally } from './dataset';
import { bounds, rectangleCorners, shapeFromPolygon } from './shape-geometry';

/**
 * Ultralytics YOLO labels: one .txt per image under labels/ mirroring images/, one object per line. Detection lines
 * are `class x_center y_center width height`, segmentation lines `class x1 y1 x2 y2 …` (at least 3 points), all
 * normalised to the image's size; classes are 0-based indexes into data.yaml's `names`.
 */

const format = 'YOLO';

/** Six decimals, as Ultralytics writes them: about a thousandth of a pixel on a 4K frame. */
function normalised(value: number, size: number): string {
  return Math.min(1, Math.max(0, value / size)).toFixed(6);
}

export interface YoloLabelOptions {
  /** Write polygons as segmentation lines (and rectangles as 4-corner polygons, since one file holds one kind). */
  segments: boolean;
}

/** The label file of one image; empty when nothing on it can be written, which Ultralytics reads as background. */
export function yoloLabelText(
  image: { width: number; height: number },
  shapes: readonly DatasetShape[],
  options: YoloLabelOptions,
  tally: ShapeTally,
): string {
  const { width, height } = image;
  const lines: string[] = [];
  for (const shape of shapes) {
    if (shape.label === null) {
      tally.skip(skipReasons.unlabelled(format));
      continue;
    }
    if (shape.type === 'polyline') {
      tally.skip(skipReasons.polyline(format));
      continue;
    }
    if (shape.type === 'point') {
      tally.skip(skipReasons.point(`${format} detection and segmentation`));
      continue;
    }
    const klass = String(shape.label.index);
    if (options.segments) {
      const polygon = shape.type === 'rectangle' ? rectangleCorners(shape.points) : shape.points;
      if (shape.type === 'rectangle') tally.convert('rectangles: written as 4-corner polygons (YOLO segmentation)');
      const coordinates = polygon.map((value, i) => normalised(value, i % 2 === 0 ? width : height));
      lines.push(`${klass} ${coordinates.join(' ')}`);
    } else {
      if (shape.type === 'polygon') tally.convert('polygons: written as their bounding boxes (YOLO detection)');
      const box = bounds(shape.points);
      const cx = normalised((box.minX + box.maxX) / 2, width);
      const cy = normalised((box.minY + box.maxY) / 2, height);
      lines.push(`${klass} ${cx} ${cy} ${normalised(box.maxX - box.minX, width)} ${normalised(box.maxY - box.minY, height)}`);
    }
    tally.written++;
  }
  return lines.map((line) => `${line}\n`).join('');
}

/**
 * data.yaml without a `path:` key: Ultralytics then takes the dataset root to be this file's folder, wherever the
 * dataset is moved, whereas a relative `path` would be read against its own datasets folder.
 */
/** `split`: null for one folder of images, else train/ and val/ (and test/ when it has images). */
export function yoloDataYaml(names: readonly string[], split: { test: boolean } | null, projectName: string): string {
  const images = split ? { train: 'images/train', val: 'images/val' } : { train: 'images', val: 'images' };
  const test = split?.test ? 'test: images/test\n' : '';
  // JSON strings are valid YAML double-quoted scalars, so any label name survives, spaces and all.
  const listed = names.map((name, i) => `  ${i}: ${JSON.stringify(name)}\n`).join('');
  return (
    `# Ultralytics YOLO dataset exported by Stillframe from the project ${JSON.stringify(projectName)}.\n` +
    `train: ${images.train}\nval: ${images.val}\n${test}\nnc: ${names.length}\nnames:\n${listed}`
  );
}

/** Class names from a parsed data.yaml: a list, or a map from 0-based index to name; `nc` alone gives class_0 …. */
export function namesFromDataYaml(doc: unknown, source: string): string[] {
  const fail = (why: string) => new StillframeError('invalid-input', `“${source}” is not a YOLO data.yaml: ${why}.`);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw fail('it holds no settings');
  const { names, nc } = doc as { names?: unknown; nc?: unknown };
  if (Array.isArray(names)) return names.map(String);
  if (typeof names === 'object' && names !== null) {
    const entries = Object.entries(names).map(([key, value]) => [Number(key), String(value)] as const);
    if (!entries.every(([index]) => Number.isInteger(index) && index >= 0)) throw fail('the keys of names must be 0, 1, 2 …');
    const list: string[] = [];
    for (const [index, name] of entries) list[index] = name;
    if (list.length !== entries.length) throw fail('names skips an index');
    return list;
  }
  if (typeof nc === 'number' && Number.isInteger(nc) && nc >= 0) return Array.from({ length: nc }, (_, i) => `class_${i}`);
  throw fail('it has no names list');
}

/** Reads one label file; lines that are not a box or a polygon of a known class are listed, the rest read. */
export function readYoloLabels(text: string, names: readonly string[], item: string, namesFile = 'data.yaml'): { shapes: ImportShape[]; problems: ImportNote[] } {
  const shapes: ImportShape[] = [];
  const problems: ImportNote[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const where = `${item}, line ${i + 1}`;
    const tokens = line.split(/\s+/);
    const klass = Number(tokens[0]);
    const label = names[klass];
    if (!Number.isInteger(klass) || label === undefined) {
      problems.push({ item: where, message: `class ${tokens[0]} is not in ${namesFile}'s names (0–${names.length - 1})` });
      return;
    }
    const values = tokens.slice(1).map(Number);
    if (!values.every(Number.isFinite)) {
      problems.push({ item: where, message: 'a coordinate is not a number' });
      return;
    }
    if (values.length === 4) {
      const [cx = 0, cy = 0, w = 0, h = 0] = values;
      if (w <= 0 || h <= 0) {
        problems.push({ item: where, message: 'the box has no width or height' });
        return;
      }
      shapes.push({ type: 'rectangle', points: [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], label, normalised: true });
      return;
    }
    if (values.length >= 6 && values.length % 2 === 0) {
      shapes.push({ ...shapeFromPolygon(values), label, normalised: true });
      return;
    }
    problems.push({ item: where, message: 'expected “class x_center y_center width height” or a polygon of at least 3 points' });
  });
  return { shapes, problems };
}

/** obj.data's `key = value` lines (classes, names, train, valid, backup). */
export function readDarknetData(text: string): Map<string, string> {
  const settings = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf('=');
    if (at > 0 && !line.trimStart().startsWith('#')) settings.set(line.slice(0, at).trim().toLowerCase(), line.slice(at + 1).trim());
  }
  return settings;
}
