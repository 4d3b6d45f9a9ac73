import type { AttributeValue, LabelAttributeDef } from '../annotations';
import { StillframeError } from '../errors';
import { attributeKey, skipReasons, type DatasetImage, type DatasetLabel, type DatasetShape, type ImportLabel, type ImportNote, type ImportShape, type ShapeTally } from './dataset';
import { bounds, round2 } from './shape-geometry';
import { child, childText, children, escapeXml, parseXml, type XmlElement } from './xml';

/**
 * CVAT's own XML, version 1.1, as docs.cvat.ai's "XML annotation format" page describes it. "CVAT for images" holds
 * one <image> per image with its <box>, <polygon>, <polyline> and <points>; "CVAT for video" holds one <track> per
 * object with one shape per frame, keyframes marked, and `outside="1"` where the object has left the picture. Both
 * declare their labels and the labels' attributes in <meta>. Points are "x,y;x,y" in pixels from the top-left.
 */

const format = 'CVAT';

/** What CVAT's `occluded` flag and a track's id become: attributes of the shape's label, so they survive a round trip. */
export const occludedDef: LabelAttributeDef = { key: 'occluded', name: 'Occluded', type: 'checkbox' };
export const trackIdDef: LabelAttributeDef = { key: 'track_id', name: 'Track', type: 'number' };

export interface CvatImage {
  name: string;
  width: number | null;
  height: number | null;
  /** The subset (train, validation …) a project export files the image under; null for none or "default". */
  subset: string | null;
  shapes: ImportShape[];
}

interface TrackShape {
  frame: number;
  outside: boolean;
  keyframe: boolean;
  shape: ImportShape;
}

export interface CvatTrack {
  id: number;
  shapes: TrackShape[];
}

export interface CvatDataset {
  mode: 'images' | 'video';
  labels: ImportLabel[];
  images: CvatImage[];
  tracks: CvatTrack[];
  /** Video: the frame size from <original_size>. */
  frameSize: { width: number; height: number } | null;
  problems: ImportNote[];
  warnings: ImportNote[];
}

function number(value: string | undefined): number {
  return value === undefined || value.trim() === '' ? Number.NaN : Number(value);
}

function labelAttribute(element: XmlElement): LabelAttributeDef {
  const name = childText(element, 'name') ?? '';
  const input = (childText(element, 'input_type') ?? 'text').toLowerCase();
  const values = (childText(element, 'values') ?? '').split('\n').map((value) => value.trim()).filter((value) => value !== '' && value !== '__undefined__');
  const key = attributeKey(name);
  if (input === 'checkbox') return { key, name, type: 'checkbox' };
  if (input === 'number') return { key, name, type: 'number' };
  if ((input === 'select' || input === 'radio') && values.length > 0) return { key, name, type: 'choice', options: [...new Set(values)] };
  return { key, name, type: 'text' };
}

/** Labels from <meta>: a task's, a job's or a project's <labels>. */
function metaLabels(root: XmlElement): ImportLabel[] {
  const meta = child(root, 'meta');
  if (meta === null) return [];
  const holder = child(meta, 'task') ?? child(meta, 'project') ?? child(meta, 'job');
  const list = holder === null ? null : child(holder, 'labels');
  if (list === null) return [];
  return children(list, 'label').map((label) => {
    const color = childText(label, 'color');
    const attributes = child(label, 'attributes');
    return {
      name: childText(label, 'name') ?? '',
      ...(color ? { color } : {}),
      attributes: attributes === null ? [] : children(attributes, 'attribute').map(labelAttribute),
    };
  });
}

function attributeValue(def: LabelAttributeDef | undefined, raw: string): AttributeValue {
  if (def?.type === 'checkbox') return raw.trim().toLowerCase() === 'true';
  if (def?.type === 'number') return Number(raw);
  return raw;
}

function pointList(raw: string | undefined): number[] {
  if (raw === undefined) return [];
  return raw
    .split(';')
    .filter((pair) => pair.trim() !== '')
    .flatMap((pair) => pair.split(',').map(Number));
}

const shapeTags = new Set(['box', 'polygon', 'polyline', 'points']);

class Reader {
  readonly problems: ImportNote[] = [];
  readonly warnings: ImportNote[] = [];
  private readonly labels: Map<string, ImportLabel>;
  private readonly leftOut = new Map<string, number>();
  /** A file whose <meta> declares no labels at all names them only on its shapes; one that declares them is held to them. */
  private readonly open: boolean;

  constructor(private readonly declared: ImportLabel[]) {
    this.labels = new Map(declared.map((label) => [label.name, label]));
    this.open = declared.length === 0;
  }

  /** One shape element; a string says why it cannot be read. `points` tracks keep one shape per point. */
  shapes(element: XmlElement, labelName: string | undefined, item: string): ImportShape[] | string {
    if (labelName === undefined || labelName === '') return 'it has no label';
    let label = this.labels.get(labelName);
    if (label === undefined && this.open) {
      label = { name: labelName, attributes: [] };
      this.labels.set(labelName, label);
      this.declared.push(label);
    }
    if (label === undefined) return `its label “${labelName}” is not among the labels in <meta>`;
    const attributes: Record<string, AttributeValue> = {};
    const defs = label.attributes ?? [];
    for (const attribute of children(element, 'attribute')) {
      const name = attribute.attributes.name ?? '';
      const key = attributeKey(name);
      let def = defs.find((candidate) => candidate.key === key);
      if (def === undefined) {
        def = { key, name, type: 'text' };
        defs.push(def);
      }
      attributes[key] = attributeValue(def, attribute.text);
    }
    if (element.attributes.occluded === '1') {
      if (!defs.some((def) => def.key === occludedDef.key)) defs.push({ ...occludedDef });
      attributes.occluded = true;
    }
    label.attributes = defs;
    const zOrder = number(element.attributes.z_order);
    const base = { label: labelName, attributes, ...(Number.isInteger(zOrder) ? { zIndex: zOrder } : {}) };
    const a = element.attributes;
    if (element.name === 'box') {
      const box = [number(a.xtl), number(a.ytl), number(a.xbr), number(a.ybr)];
      if (!box.every(Number.isFinite)) return 'its box needs numeric xtl, ytl, xbr and ybr';
      if (number(a.rotation) && Math.abs(number(a.rotation)) > 0.01) this.warnings.push({ item, message: 'its box is rotated; imported without the rotation' });
      return [{ type: 'rectangle', points: box, ...base }];
    }
    const points = pointList(a.points);
    if (points.length < 2 || points.length % 2 !== 0 || !points.every(Number.isFinite)) return 'its points are not “x,y;x,y…” numbers';
    if (element.name === 'points') {
      const list: ImportShape[] = [];
      for (let i = 0; i < points.length; i += 2) list.push({ type: 'point', points: [points[i] ?? 0, points[i + 1] ?? 0], ...base });
      return list;
    }
    return [{ type: element.name === 'polygon' ? 'polygon' : 'polyline', points, ...base }];
  }

  /** Mask, ellipse, cuboid, skeleton, tag: Stillframe has no such shape; counted, then reported once per kind. */
  skip(kind: string): void {
    this.leftOut.set(kind, (this.leftOut.get(kind) ?? 0) + 1);
  }

  noteSkipped(): void {
    for (const [kind, count] of this.leftOut) this.problems.push({ item: `<${kind}>`, message: `${count} ${kind} annotation(s) were left out: Stillframe has no such shape` });
  }
}

/** Reads a CVAT for images or CVAT for video 1.1 file; shapes that cannot be read are listed, the rest read. */
export function readCvat(xml: string, source: string): CvatDataset {
  const root = parseXml(xml, source);
  if (root.name !== 'annotations') throw new StillframeError('invalid-input', `“${source}” is not a CVAT XML file: its root element is <${root.name}>, not <annotations>.`);
  const labels = metaLabels(root);
  const reader = new Reader(labels);
  const images: CvatImage[] = [];
  const tracks: CvatTrack[] = [];
  for (const element of root.children) {
    if (element.name === 'image') {
      const name = element.attributes.name ?? '';
      const subset = element.attributes.subset ?? '';
      const image: CvatImage = {
        name,
        width: number(element.attributes.width) > 0 ? number(element.attributes.width) : null,
        height: number(element.attributes.height) > 0 ? number(element.attributes.height) : null,
        subset: subset === '' || subset.toLowerCase() === 'default' ? null : subset,
        shapes: [],
      };
      element.children.forEach((shape, i) => {
        if (!shapeTags.has(shape.name)) {
          if (shape.name !== 'tag') reader.skip(shape.name);
          return;
        }
        const item = `${name}, ${shape.name} ${i + 1} (line ${shape.line})`;
        const read = reader.shapes(shape, shape.attributes.label, item);
        if (typeof read === 'string') reader.problems.push({ item, message: `${read}; it was left out` });
        else image.shapes.push(...read);
      });
      images.push(image);
    } else if (element.name === 'track') {
      const id = number(element.attributes.id);
      const track: CvatTrack = { id: Number.isInteger(id) ? id : tracks.length, shapes: [] };
      for (const shape of element.children) {
        if (!shapeTags.has(shape.name)) {
          reader.skip(shape.name);
          continue;
        }
        const frame = number(shape.attributes.frame);
        const item = `track ${track.id}, frame ${shape.attributes.frame ?? '?'} (line ${shape.line})`;
        if (!Number.isInteger(frame) || frame < 0) {
          reader.problems.push({ item, message: 'its frame is not a frame number; it was left out' });
          continue;
        }
        const read = reader.shapes(shape, element.attributes.label, item);
        if (typeof read === 'string') {
          reader.problems.push({ item, message: `${read}; it was left out` });
          continue;
        }
        // A track of points moves as one shape; its points become separate Stillframe points frame by frame.
        const merged: ImportShape = read.length === 1 ? (read[0] as ImportShape) : { ...(read[0] as ImportShape), points: read.flatMap((one) => one.points) };
        track.shapes.push({ frame, outside: shape.attributes.outside === '1', keyframe: shape.attributes.keyframe !== '0', shape: merged });
      }
      track.shapes.sort((a, b) => a.frame - b.frame);
      tracks.push(track);
    }
  }
  reader.noteSkipped();
  const meta = child(root, 'meta');
  const task = meta === null ? null : (child(meta, 'task') ?? child(meta, 'job'));
  const size = task === null ? null : child(task, 'original_size');
  const width = size === null ? Number.NaN : number(childText(size, 'width') ?? undefined);
  const height = size === null ? Number.NaN : number(childText(size, 'height') ?? undefined);
  for (const label of labels) {
    if (tracks.length > 0 && !(label.attributes ?? []).some((def) => def.key === trackIdDef.key)) label.attributes = [...(label.attributes ?? []), { ...trackIdDef }];
  }
  return {
    mode: tracks.length > 0 || (images.length === 0 && (childText(task ?? root, 'mode') ?? '') === 'interpolation') ? 'video' : 'images',
    labels,
    images,
    tracks,
    frameSize: width > 0 && height > 0 ? { width, height } : null,
    problems: reader.problems,
    warnings: reader.warnings,
  };
}

function lerp(a: readonly number[], b: readonly number[], t: number): number[] {
  return a.map((value, i) => value + ((b[i] ?? value) - value) * t);
}

/**
 * Where each track is on one frame, as CVAT shows it: its own shape on a frame it has one for, else the shape of the
 * keyframe before moved linearly towards the next keyframe (boxes, and outlines with the same number of points; others
 * hold still), or held after the last one; none on frames after an `outside` shape or before the first.
 */
export function trackShapesOnFrame(tracks: readonly CvatTrack[], frame: number): ImportShape[] {
  const shapes: ImportShape[] = [];
  for (const track of tracks) {
    const list = track.shapes;
    let low = 0;
    let high = list.length - 1;
    let before = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if ((list[mid]?.frame ?? 0) <= frame) {
        before = mid;
        low = mid + 1;
      } else high = mid - 1;
    }
    const previous = list[before];
    if (previous === undefined || previous.outside) continue;
    let points = previous.shape.points;
    if (previous.frame !== frame) {
      const next = list.slice(before + 1).find((candidate) => candidate.keyframe);
      if (next !== undefined && !next.outside && next.shape.points.length === points.length && next.shape.type === previous.shape.type) {
        points = lerp(points, next.shape.points, (frame - previous.frame) / (next.frame - previous.frame));
      }
    }
    const attributes = { ...previous.shape.attributes, [trackIdDef.key]: track.id };
    if (previous.shape.type === 'point') {
      for (let i = 0; i + 1 < points.length; i += 2) shapes.push({ ...previous.shape, points: [points[i] ?? 0, points[i + 1] ?? 0], attributes });
    } else shapes.push({ ...previous.shape, points, attributes });
  }
  return shapes;
}

// Writing

function attributeText(value: AttributeValue): string {
  return typeof value === 'boolean' ? (value ? 'true' : 'false') : String(value);
}

function labelXml(label: DatasetLabel & { color: string; attributes: readonly LabelAttributeDef[] }): string {
  const attributes = label.attributes
    .filter((def) => def.key !== occludedDef.key)
    .map((def) => {
      const input = def.type === 'choice' ? 'select' : def.type;
      const values = def.type === 'choice' ? (def.options ?? []).join('\n') : def.type === 'checkbox' ? 'false' : '';
      // The key is CVAT's attribute name, so values come back under the same key whatever the display name.
      return (
        `          <attribute>\n            <name>${escapeXml(def.key)}</name>\n            <mutable>False</mutable>\n` +
        `            <input_type>${input}</input_type>\n            <default_value>${escapeXml(def.type === 'checkbox' ? 'false' : (def.options?.[0] ?? ''))}</default_value>\n` +
        `            <values>${escapeXml(values)}</values>\n          </attribute>\n`
      );
    })
    .join('');
  return (
    `      <label>\n        <name>${escapeXml(label.name)}</name>\n        <color>${escapeXml(label.color)}</color>\n        <type>any</type>\n` +
    `        <attributes>\n${attributes}        </attributes>\n      </label>\n`
  );
}

export interface CvatLabel extends DatasetLabel {
  color: string;
  attributes: readonly LabelAttributeDef[];
}

/** Writes a CVAT for images 1.1 file in pieces: opening, each image, closing. */
export class CvatWriter {
  constructor(private readonly tally: ShapeTally) {}

  opening(taskName: string, size: number, labels: readonly CvatLabel[], dumped: Date): string {
    return (
      '<?xml version="1.0" encoding="utf-8"?>\n<annotations>\n  <version>1.1</version>\n  <meta>\n    <task>\n' +
      `      <name>${escapeXml(taskName)}</name>\n      <size>${size}</size>\n      <mode>annotation</mode>\n      <overlap>0</overlap>\n` +
      `      <labels>\n${labels.map(labelXml).join('')}      </labels>\n    </task>\n    <dumped>${dumped.toISOString()}</dumped>\n  </meta>\n`
    );
  }

  /** `id` is 0-based in CVAT. */
  image(image: DatasetImage, shapes: readonly DatasetShape[]): string {
    let body = '';
    for (const shape of shapes) {
      if (shape.label === null) {
        this.tally.skip(skipReasons.unlabelled(format));
        continue;
      }
      const occluded = shape.attributes[occludedDef.key] === true ? 1 : 0;
      const common = `label="${escapeXml(shape.label.name)}" source="manual" occluded="${occluded}" z_order="${shape.zIndex}"`;
      const attributes = Object.entries(shape.attributes)
        .filter(([key]) => key !== occludedDef.key)
        .map(([key, value]) => `      <attribute name="${escapeXml(key)}">${escapeXml(attributeText(value))}</attribute>\n`)
        .join('');
      const points = () => {
        const pairs: string[] = [];
        for (let i = 0; i + 1 < shape.points.length; i += 2) pairs.push(`${round2(shape.points[i] ?? 0)},${round2(shape.points[i + 1] ?? 0)}`);
        return pairs.join(';');
      };
      let open: string;
      if (shape.type === 'rectangle') {
        const box = bounds(shape.points);
        open = `    <box ${common} xtl="${round2(box.minX)}" ytl="${round2(box.minY)}" xbr="${round2(box.maxX)}" ybr="${round2(box.maxY)}" rotation="0.0"`;
      } else {
        const tag = shape.type === 'point' ? 'points' : shape.type;
        open = `    <${tag} ${common} points="${points()}"`;
      }
      const tag = shape.type === 'rectangle' ? 'box' : shape.type === 'point' ? 'points' : shape.type;
      body += attributes === '' ? `${open}>\n    </${tag}>\n` : `${open}>\n${attributes}    </${tag}>\n`;
      this.tally.written++;
    }
    return `  <image id="${image.id - 1}" name="${escapeXml(image.fileName)}" width="${image.width}" height="${image.height}">\n${body}  </image>\n`;
  }

  get closing(): string {
    return '</annotations>\n';
  }
}
