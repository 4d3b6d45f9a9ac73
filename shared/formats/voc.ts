import type { LabelAttributeDef } from '../annotations';
import { StillframeError } from '../errors';
import { skipReasons, type DatasetShape, type ImportNote, type ImportShape, type ShapeTally } from './dataset';
import { bounds } from './shape-geometry';
import { child, childText, children, escapeXml, parseXml } from './xml';

export { escapeXml };

/**
 * Pascal VOC: one XML annotation per image with its `size` and one `object` per box. VOC counts pixels from 1 and
 * its boxes include both end pixels, so a box over the continuous span [x1, x2) of 0-based pixels is written as
 * xmin = x1 + 1, xmax = x2 (what VOC's own tools and their readers, which subtract 1, expect).
 */

const format = 'Pascal VOC';

/** VOC's per-object flags, taken from same-named attributes when a label defines them. */
function flag(shape: DatasetShape, key: string): 0 | 1 {
  return shape.attributes[key] === true ? 1 : 0;
}

export interface VocImage {
  fileName: string;
  /** Only when the image is not copied beside the annotations: where it is. */
  path: string | null;
  width: number;
  height: number;
}

export function vocAnnotationXml(image: VocImage, shapes: readonly DatasetShape[], tally: ShapeTally): string {
  const { width, height } = image;
  const objects: string[] = [];
  for (const shape of shapes) {
    if (shape.label === null) {
      tally.skip(skipReasons.unlabelled(format));
      continue;
    }
    if (shape.type === 'polyline') {
      tally.skip(skipReasons.polyline(`${format} (boxes only)`));
      continue;
    }
    if (shape.type === 'point') {
      tally.skip(skipReasons.point(`${format} (boxes only)`));
      continue;
    }
    if (shape.type === 'polygon') tally.convert('polygons: written as their bounding boxes (Pascal VOC)');
    const box = bounds(shape.points);
    const xmin = Math.min(width, Math.max(1, Math.round(box.minX) + 1));
    const ymin = Math.min(height, Math.max(1, Math.round(box.minY) + 1));
    const xmax = Math.min(width, Math.max(xmin, Math.round(box.maxX)));
    const ymax = Math.min(height, Math.max(ymin, Math.round(box.maxY)));
    const pose = typeof shape.attributes.pose === 'string' ? shape.attributes.pose : 'Unspecified';
    objects.push(
      '  <object>\n' +
        `    <name>${escapeXml(shape.label.name)}</name>\n` +
        `    <pose>${escapeXml(pose)}</pose>\n` +
        `    <truncated>${flag(shape, 'truncated')}</truncated>\n` +
        `    <difficult>${flag(shape, 'difficult')}</difficult>\n` +
        `    <occluded>${flag(shape, 'occluded')}</occluded>\n` +
        `    <bndbox>\n      <xmin>${xmin}</xmin>\n      <ymin>${ymin}</ymin>\n      <xmax>${xmax}</xmax>\n      <ymax>${ymax}</ymax>\n    </bndbox>\n` +
        '  </object>\n',
    );
    tally.written++;
  }
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<annotation>\n' +
    '  <folder>JPEGImages</folder>\n' +
    `  <filename>${escapeXml(image.fileName)}</filename>\n` +
    (image.path === null ? '' : `  <path>${escapeXml(image.path)}</path>\n`) +
    '  <source>\n    <database>Stillframe</database>\n  </source>\n' +
    `  <size>\n    <width>${width}</width>\n    <height>${height}</height>\n    <depth>3</depth>\n  </size>\n` +
    '  <segmented>0</segmented>\n' +
    objects.join('') +
    '</annotation>\n'
  );
}

// Reading

/** The per-object flags VOC has, kept as checkbox attributes of the object's label. */
export const vocFlags = ['difficult', 'truncated', 'occluded'] as const;
export const vocFlagDefs: LabelAttributeDef[] = vocFlags.map((key) => ({ key, name: key[0]?.toUpperCase() + key.slice(1), type: 'checkbox' }));

export interface VocRecord {
  fileName: string;
  width: number | null;
  height: number | null;
  shapes: ImportShape[];
  problems: ImportNote[];
}

/** One VOC annotation file: its image's name and size and each object's box, flags as attributes. */
export function readVocAnnotation(xml: string, source: string): VocRecord {
  const root = parseXml(xml, source);
  if (root.name !== 'annotation') throw new StillframeError('invalid-input', `“${source}” is not a Pascal VOC annotation: its root element is <${root.name}>, not <annotation>.`);
  const size = child(root, 'size');
  const dimension = (name: string) => {
    const value = Number(size === null ? Number.NaN : childText(size, name));
    return Number.isFinite(value) && value > 0 ? value : null;
  };
  const problems: ImportNote[] = [];
  const shapes: ImportShape[] = [];
  children(root, 'object').forEach((object, i) => {
    const item = `${source}, object ${i + 1}`;
    const name = childText(object, 'name');
    const box = child(object, 'bndbox');
    if (name === null || name === '') {
      problems.push({ item, message: 'it has no <name>' });
      return;
    }
    const [xmin, ymin, xmax, ymax] = ['xmin', 'ymin', 'xmax', 'ymax'].map((key) => Number(box === null ? Number.NaN : childText(box, key)));
    if (![xmin, ymin, xmax, ymax].every((value) => Number.isFinite(value))) {
      problems.push({ item, message: 'its <bndbox> needs numeric xmin, ymin, xmax and ymax' });
      return;
    }
    const attributes: Record<string, boolean> = {};
    for (const key of vocFlags) {
      const value = childText(object, key);
      if (value !== null) attributes[key] = value === '1' || value.toLowerCase() === 'true';
    }
    // VOC's 1-based inclusive pixels back to Stillframe's continuous 0-based span (the writer's inverse).
    shapes.push({ type: 'rectangle', points: [(xmin ?? 0) - 1, (ymin ?? 0) - 1, xmax ?? 0, ymax ?? 0], label: name, attributes });
  });
  return { fileName: childText(root, 'filename') ?? '', width: dimension('width'), height: dimension('height'), shapes, problems };
}
