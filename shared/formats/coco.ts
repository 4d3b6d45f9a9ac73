import { z } from 'zod';
import type { AttributeValue } from '../annotations';
import { StillframeError } from '../errors';
import {
  ArrayJoiner,
  attributeKey,
  inferAttributeDefs,
  type ImportLabel,
  skipReasons,
  type ShapeTally,
  type DatasetImage,
  type DatasetLabel,
  type DatasetShape,
  type ImportNote,
  type ImportShape,
} from './dataset';
import { parseRle, rasterise, traceMask } from './rle';
import { PackedShapes } from './shape-pack';
import { bounds, polygonArea, rectangleCorners, round2, shapeFromPolygon } from './shape-geometry';

/**
 * COCO object detection ("instances") JSON, as cocodataset.org's data format page defines it: `images`,
 * `annotations` with `bbox` [x, y, width, height] in pixels from the top-left corner, polygon `segmentation`,
 * `area` and `iscrowd`, and `categories`.
 *
 * Keypoints: COCO gives a category a fixed list of k named keypoints and each keypoint annotation 3k numbers. A
 * Stillframe point has a label but no name, so the points of one label on one image form one keypoint annotation,
 * in the order they were drawn (stacking order); the label's category lists k keypoints "1" … "k", k being the most
 * points that label has on any exported image, and annotations with fewer points pad with unlabelled keypoints
 * (0, 0, v=0). Its bbox encloses the points and its segmentation is empty.
 */

const format = 'COCO';

/** Category ids are the labels' 1-based places in the project's label order, so they are the same in every export. */
function cocoCategoryId(label: Pick<DatasetLabel, 'index'>): number {
  return label.index + 1;
}

function categoryJson(label: DatasetLabel, keypoints: number): string {
  const base = { id: cocoCategoryId(label), name: label.name, supercategory: '' };
  if (keypoints === 0) return JSON.stringify(base);
  const names = Array.from({ length: keypoints }, (_, i) => String(i + 1));
  return JSON.stringify({ ...base, keypoints: names, skeleton: [] });
}

export interface CocoInfo {
  description: string;
  dateCreated: Date;
}

/** Writes one COCO file in pieces: opening, each image, the switch to annotations, each image's annotations, closing. */
export class CocoWriter {
  private readonly images = new ArrayJoiner();
  private readonly annotations = new ArrayJoiner();
  private nextAnnotationId = 1;

  /** `keypoints`: per label index, the k of its keypoint category (absent when the label has no points). */
  constructor(
    private readonly keypoints: ReadonlyMap<number, number>,
    private readonly tally: ShapeTally,
  ) {}

  opening(info: CocoInfo, labels: readonly DatasetLabel[]): string {
    const date = info.dateCreated;
    const head = {
      description: info.description,
      url: '',
      version: '1.0',
      year: date.getUTCFullYear(),
      contributor: 'Stillframe',
      date_created: date.toISOString(),
    };
    const categories = new ArrayJoiner();
    const listed = labels.map((label) => categories.next(categoryJson(label, this.keypoints.get(label.index) ?? 0))).join('');
    return `{"info":${JSON.stringify(head)},\n"licenses":[],\n"categories":[${listed}${categories.close},\n"images":[`;
  }

  image(image: DatasetImage): string {
    return this.images.next(
      JSON.stringify({
        id: image.id,
        file_name: image.fileName,
        width: image.width,
        height: image.height,
        // Extra fields, which COCO readers ignore, named as the CSV's columns are.
        ...(image.source ? { video: image.source.video, timestamp_ms: image.source.timestampMs, frame_index: image.source.frameIndex } : {}),
      }),
    );
  }

  get betweenImagesAndAnnotations(): string {
    return `${this.images.close},\n"annotations":[`;
  }

  annotationsFor(image: Pick<DatasetImage, 'id'>, shapes: readonly DatasetShape[]): string {
    let out = '';
    const pointsByLabel = new Map<number, number[]>();
    for (const shape of shapes) {
      if (shape.label === null) {
        this.tally.skip(skipReasons.unlabelled(format));
        continue;
      }
      if (shape.type === 'polyline') {
        this.tally.skip(skipReasons.polyline(format));
        continue;
      }
      if (shape.type === 'point') {
        const list = pointsByLabel.get(shape.label.index) ?? [];
        list.push(shape.points[0] ?? 0, shape.points[1] ?? 0);
        pointsByLabel.set(shape.label.index, list);
        continue;
      }
      const polygon = shape.type === 'rectangle' ? rectangleCorners(shape.points) : [...shape.points];
      const box = bounds(shape.points);
      const area = shape.type === 'rectangle' ? (box.maxX - box.minX) * (box.maxY - box.minY) : polygonArea(shape.points);
      out += this.annotation(image, cocoCategoryId(shape.label), box, area, { segmentation: [polygon.map(round2)] });
      this.tally.written++;
    }
    for (const [labelIndex, points] of [...pointsByLabel].sort((a, b) => a[0] - b[0])) {
      const k = this.keypoints.get(labelIndex) ?? points.length / 2;
      const keypoints: number[] = [];
      for (let i = 0; i < k; i++) {
        const x = points[2 * i];
        const y = points[2 * i + 1];
        keypoints.push(...(x === undefined || y === undefined ? [0, 0, 0] : [round2(x), round2(y), 2]));
      }
      const box = bounds(points);
      out += this.annotation(image, cocoCategoryId({ index: labelIndex }), box, (box.maxX - box.minX) * (box.maxY - box.minY), {
        segmentation: [],
        keypoints,
        num_keypoints: points.length / 2,
      });
      this.tally.written += points.length / 2;
      this.tally.convert('points: written as COCO keypoints, one annotation per label and image', points.length / 2);
    }
    return out;
  }

  get closing(): string {
    return `${this.annotations.close}}\n`;
  }

  private annotation(
    image: Pick<DatasetImage, 'id'>,
    categoryId: number,
    box: { minX: number; minY: number; maxX: number; maxY: number },
    area: number,
    extra: Record<string, unknown>,
  ): string {
    const bbox = [round2(box.minX), round2(box.minY), round2(box.maxX - box.minX), round2(box.maxY - box.minY)];
    const entry = {
      id: this.nextAnnotationId++,
      image_id: image.id,
      category_id: categoryId,
      bbox,
      area: round2(area),
      iscrowd: 0,
      ...extra,
    };
    return this.annotations.next(JSON.stringify(entry));
  }
}

// Reading

const idSchema = z.union([z.number(), z.string()]);
const fileSchema = z.object({
  images: z.array(z.unknown()),
  annotations: z.array(z.unknown()).default([]),
  categories: z.array(z.unknown()),
});
const imageSchema = z.object({
  id: idSchema,
  file_name: z.string().min(1),
  width: z.number().positive().optional(),
  height: z.number().positive().optional(),
});
const categorySchema = z.object({ id: idSchema, name: z.string(), keypoints: z.array(z.string()).optional() });
const attributeValue = z.union([z.string(), z.number(), z.boolean()]);
const annotationSchema = z.object({
  id: idSchema.optional(),
  image_id: idSchema,
  category_id: idSchema,
  bbox: z.array(z.number()).length(4).optional(),
  segmentation: z.unknown().optional(),
  keypoints: z.array(z.number()).optional(),
  /** Not COCO's own: what CVAT and Roboflow write for an object's attributes (CVAT puts `occluded` there too). */
  attributes: z.record(z.string(), z.unknown()).optional(),
});
type CocoAnnotation = z.infer<typeof annotationSchema>;

export interface CocoImageRecord {
  /** As the file names it: may hold folders, or be an absolute path. */
  fileName: string;
  width: number | null;
  height: number | null;
  /** Packed as each annotation is read: a large file's shapes are never all objects at once. */
  shapes: PackedShapes<string>;
}

export interface CocoDataset {
  labels: ImportLabel[];
  images: CocoImageRecord[];
  problems: ImportNote[];
  warnings: ImportNote[];
  /** Shapes read in another form than the file gives them (RLE masks as traced outlines or boxes), per reason. */
  converted: Map<string, number>;
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || 'the file'}: ${issue.message}` : 'unexpected content';
}

function isFlatNumbers(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((n) => typeof n === 'number' && Number.isFinite(n));
}

/** Polygon parts of a segmentation; RLE masks (objects) and empty lists give none. */
function polygonParts(segmentation: unknown): number[][] {
  if (!Array.isArray(segmentation)) return [];
  return segmentation.filter(isFlatNumbers);
}

export const rleReasons = {
  traced: 'RLE masks: traced to polygons',
  holes: 'RLE masks with holes: traced to their outer outline (holes filled)',
  boxed: 'RLE masks that could not be traced: imported as their bounding boxes',
} as const;

interface ReadContext {
  warnings: ImportNote[];
  converted: Map<string, number>;
}

function convert(context: ReadContext, reason: string): void {
  context.converted.set(reason, (context.converted.get(reason) ?? 0) + 1);
}

/** An RLE mask's outlines as polygons, or null when it cannot be decoded or holds no region of 3 corners. */
function rleShapes(segmentation: unknown, label: string, context: ReadContext): ImportShape[] | null {
  const mask = parseRle(segmentation);
  const pixels = mask === null ? null : rasterise(mask);
  if (mask === null || pixels === null) return null;
  const { outlines, holes } = traceMask(pixels, mask.width, mask.height);
  const polygons = outlines.filter((outline) => outline.length >= 6);
  if (polygons.length === 0) return null;
  convert(context, holes ? rleReasons.holes : rleReasons.traced);
  return polygons.map((points) => ({ ...shapeFromPolygon(points), label }));
}

function shapesOf(annotation: CocoAnnotation, label: string, context: ReadContext): ImportShape[] | string {
  const shapes: ImportShape[] = [];
  const parts = polygonParts(annotation.segmentation);
  for (const part of parts) {
    if (part.length < 6 || part.length % 2 !== 0) return 'a segmentation polygon needs at least 3 x, y pairs';
    shapes.push({ ...shapeFromPolygon(part), label });
  }
  const isRle = annotation.segmentation !== undefined && annotation.segmentation !== null && !Array.isArray(annotation.segmentation);
  if (isRle) {
    const traced = rleShapes(annotation.segmentation, label, context);
    if (traced !== null) shapes.push(...traced);
  }
  const keypoints: number[] = [];
  const flat = annotation.keypoints ?? [];
  for (let i = 0; i + 2 < flat.length; i += 3) {
    if ((flat[i + 2] ?? 0) > 0) keypoints.push(flat[i] ?? 0, flat[i + 1] ?? 0);
  }
  for (let i = 0; i < keypoints.length; i += 2) {
    shapes.push({ type: 'point', points: [keypoints[i] ?? 0, keypoints[i + 1] ?? 0], label });
  }
  const [x = 0, y = 0, w = 0, h = 0] = annotation.bbox ?? [];
  const hasBox = annotation.bbox !== undefined && w > 0 && h > 0;
  // A keypoint annotation's box normally just encloses its points; only a box that says more is an object too.
  const pointBox = bounds(keypoints);
  const boxIsJustPoints =
    keypoints.length > 0 &&
    Math.abs(pointBox.minX - x) <= 1 &&
    Math.abs(pointBox.minY - y) <= 1 &&
    Math.abs(pointBox.maxX - (x + w)) <= 1 &&
    Math.abs(pointBox.maxY - (y + h)) <= 1;
  if (shapes.length === 0 && hasBox && !boxIsJustPoints) {
    if (isRle) convert(context, rleReasons.boxed);
    shapes.push({ type: 'rectangle', points: [x, y, x + w, y + h], label });
  }
  const attributes = Object.fromEntries(
    Object.entries(annotation.attributes ?? {}).flatMap(([name, value]) => {
      const parsed = attributeValue.safeParse(value);
      return parsed.success ? [[attributeKey(name), parsed.data] as const] : [];
    }),
  );
  if (Object.keys(attributes).length > 0) for (const shape of shapes) shape.attributes = { ...attributes };
  return shapes.length > 0 ? shapes : 'it has no polygon, mask, keypoint or box with a width and height';
}

/**
 * Reads a COCO instances file member by member and element by element, as a streaming parse hands them over, so a
 * large file is never held whole: categories, images and annotations in any order (an annotation that comes before
 * its image or category waits for the end). Annotations that cannot be used are listed, and the rest are read.
 */
export class CocoReader {
  private readonly problems: ImportNote[] = [];
  private readonly warnings: ImportNote[] = [];
  private readonly context: ReadContext = { warnings: this.warnings, converted: new Map() };
  private readonly categories = new Map<string, string>();
  private categoryCount = 0;
  /** Keypoint annotations per image and category: where one image has several, each point says which object it is. */
  private readonly keypointObjects = new Map<string, number>();
  /** Each keypoint annotation's points: the image's pack and their places in it. */
  private readonly pointOwners: { key: string; shapes: PackedShapes<string>; points: number[] }[] = [];
  private readonly images: CocoImageRecord[] = [];
  private readonly byId = new Map<string, CocoImageRecord>();
  private imageCount = 0;
  private annotationCount = 0;
  private readonly waiting: { raw: unknown; index: number }[] = [];

  category(raw: unknown): void {
    const i = this.categoryCount++;
    const parsed = categorySchema.safeParse(raw);
    if (parsed.success) this.categories.set(String(parsed.data.id), parsed.data.name);
    else this.problems.push({ item: `category ${i + 1}`, message: firstIssue(parsed.error) });
  }

  image(raw: unknown): void {
    const i = this.imageCount++;
    const parsed = imageSchema.safeParse(raw);
    if (!parsed.success) {
      this.problems.push({ item: `image ${i + 1}`, message: firstIssue(parsed.error) });
      return;
    }
    const record = { fileName: parsed.data.file_name, width: parsed.data.width ?? null, height: parsed.data.height ?? null, shapes: new PackedShapes<string>() };
    const id = String(parsed.data.id);
    const earlier = this.byId.get(id);
    // Annotations name their image by id alone: with two images under one id, which image a box is on is a guess.
    if (earlier !== undefined) {
      throw new StillframeError(
        'invalid-input',
        `Two images in the COCO file have the id ${id} (“${earlier.fileName}” and “${record.fileName}”), so it is not clear which image their annotations belong to. Give each image its own id.`,
      );
    }
    this.images.push(record);
    this.byId.set(id, record);
  }

  annotation(raw: unknown): void {
    const index = this.annotationCount++;
    const ids = raw as { image_id?: unknown; category_id?: unknown } | null;
    if (!this.byId.has(String(ids?.image_id)) || !this.categories.has(String(ids?.category_id))) this.waiting.push({ raw, index });
    else this.read(raw, index);
  }

  private read(raw: unknown, i: number): void {
    const parsed = annotationSchema.safeParse(raw);
    const item = `annotation ${parsed.success && parsed.data.id !== undefined ? parsed.data.id : i + 1}`;
    if (!parsed.success) {
      this.problems.push({ item, message: firstIssue(parsed.error) });
      return;
    }
    const image = this.byId.get(String(parsed.data.image_id));
    if (!image) {
      this.problems.push({ item, message: `its image ${parsed.data.image_id} is not listed in "images"` });
      return;
    }
    const label = this.categories.get(String(parsed.data.category_id));
    if (label === undefined) {
      this.problems.push({ item, message: `its category ${parsed.data.category_id} is not listed in "categories"` });
      return;
    }
    const shapes = shapesOf(parsed.data, label, this.context);
    if (typeof shapes === 'string') {
      this.problems.push({ item, message: shapes });
      return;
    }
    if ((parsed.data.keypoints ?? []).length > 0) {
      const key = `${parsed.data.image_id}\u0000${parsed.data.category_id}`;
      this.keypointObjects.set(key, (this.keypointObjects.get(key) ?? 0) + 1);
      const object = Number(parsed.data.id ?? i + 1);
      const points: number[] = [];
      shapes.forEach((shape, j) => {
        if (shape.type !== 'point') return;
        shape.attributes = { ...shape.attributes, object: Number.isFinite(object) ? object : i + 1 };
        points.push(image.shapes.length + j);
      });
      this.pointOwners.push({ key, shapes: image.shapes, points });
    }
    for (const shape of shapes) image.shapes.push(shape);
  }

  finish(): CocoDataset {
    for (const { raw, index } of this.waiting.splice(0)) this.read(raw, index);
    // One keypoint object of a label on an image needs no word of which object its points belong to.
    for (const { key, shapes, points } of this.pointOwners.splice(0)) {
      if ((this.keypointObjects.get(key) ?? 0) > 1) continue;
      for (const index of points) shapes.dropAttribute(index, 'object');
    }
    const attributeValues = new Map<string, Record<string, AttributeValue>[]>();
    for (const image of this.images) {
      image.shapes.trim();
      for (const { label, attributes } of image.shapes.attributeRecords()) {
        if (label === null) continue;
        const list = attributeValues.get(label) ?? [];
        list.push(attributes);
        attributeValues.set(label, list);
      }
    }
    const labels = [...new Set(this.categories.values())].map((name) => {
      const defs = inferAttributeDefs(attributeValues.get(name) ?? []);
      for (const def of defs) if (def.key === 'object') def.name = 'Object';
      return defs.length > 0 ? { name, attributes: defs } : { name };
    });
    return { labels, images: this.images, problems: this.problems, warnings: this.warnings, converted: this.context.converted };
  }
}

/** The members a COCO file must have, for a reader that saw which ones there were. */
export function missingCocoMember(seen: ReadonlySet<string>): string | null {
  const missing = ['images', 'categories'].find((key) => !seen.has(key));
  return missing === undefined ? null : `${missing}: expected an array`;
}

/** Reads a COCO instances file held as text; annotations that cannot be used are listed, and the rest are read. */
export function readCoco(text: string, source: string): CocoDataset {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new StillframeError('invalid-input', `“${source}” is not valid JSON: ${(error as Error).message}`);
  }
  const file = fileSchema.safeParse(json);
  if (!file.success) {
    throw new StillframeError('invalid-input', `“${source}” is not a COCO instances file (${firstIssue(file.error)}).`);
  }
  const reader = new CocoReader();
  for (const raw of file.data.categories) reader.category(raw);
  for (const raw of file.data.images) reader.image(raw);
  for (const raw of file.data.annotations) reader.annotation(raw);
  return reader.finish();
}
