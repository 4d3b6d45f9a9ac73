import {
  keepFittingAttributes,
  normaliseColor,
  validateAttributeDefs,
  validateLabelName,
  type AttributeValue,
  type Label,
  type LabelAttributeDef,
  type Shape,
  type ShapeType,
} from '../../shared/annotations';
import type { Project } from '../../shared/domain';
import { toAppError } from '../../shared/errors';
import type { ImportNote, ImportShape } from '../../shared/formats/dataset';
import { baseName, datasetFileName, safeFileName, videoPrefixes } from '../../shared/formats/file-names';
import { fitGeometry, geometryProblem } from '../../shared/geometry';
import { batchNameMaxLength, validateBatchName } from '../../shared/names';
import { listLabels, listShapes } from '../library/annotations';
import { findBatchByName } from '../library/batches';
import type { Database } from '../library/database';
import { imageSize, looksLikeImage, type PixelSize } from './image-size';
import { PackedShapes } from '../../shared/formats/shape-pack';
import type { DatasetSource, LabelSpec, SourceImage } from './sources';

/**
 * What an import would do, worked out before anything is written: each image matched to a frame of the project or
 * to be added, each shape checked and fitted to its image, each label matched by name or to be created, and every
 * problem and change noted item by item. A dry run reports it; ImportWriter carries it out.
 */

const maxListed = 200;
const yieldEvery = 200;
/** Clamping by less than this is rounding in the dataset (six decimals of a normalised coordinate), not worth a word. */
const clampSlack = 0.01;
/** Shapes this close, coordinate by coordinate, are the same shape written back (COCO keeps two decimals). */
const sameShapeSlack = 0.05;

export interface PlannedLabel {
  name: string;
  existing: Label | null;
  spec: LabelSpec;
  /** Set once created. */
  id: string | null;
}

export interface PlannedShape {
  type: ShapeType;
  points: number[];
  label: PlannedLabel | null;
  note: string;
  attributes: Record<string, AttributeValue>;
  hidden: boolean;
  locked: boolean;
  zIndex: number | undefined;
}

interface FrameMatch {
  frameId: string;
  width: number;
  height: number;
}

export interface PlannedImage {
  source: SourceImage;
  /** A new image of a dataset without a Stillframe layout: the batch it goes into. */
  newBatch?: string;
  match: FrameMatch | null;
  size: PixelSize;
  shapes: PackedShapes<PlannedLabel>;
}

/** Problems and warnings, item by item, the first 200 of each listed and the rest counted. */
export class Notes {
  readonly problems: ImportNote[] = [];
  readonly warnings: ImportNote[] = [];
  moreProblems = 0;
  moreWarnings = 0;

  constructor(source: DatasetSource) {
    for (const note of source.problems) this.problem(note.item, note.message);
    for (const note of source.warnings) this.warning(note.item, note.message);
  }

  problem(item: string, message: string): void {
    if (this.problems.length < maxListed) this.problems.push({ item, message });
    else this.moreProblems++;
  }

  warning(item: string, message: string): void {
    if (this.warnings.length < maxListed) this.warnings.push({ item, message });
    else this.moreWarnings++;
  }
}

/**
 * The project's frames by the names an export gives them (`<video>_<frame file>`), and by their own file name where
 * that is unique in the project, matched without regard to case.
 */
function projectFrameIndex(db: Database, projectId: string): (name: string) => FrameMatch | null {
  const videos = db
    .prepare('SELECT id, name FROM videos WHERE project_id = ? ORDER BY created_at, id')
    .all(projectId)
    .map((row) => ({ id: String(row.id), name: String(row.name) }));
  const prefixes = videoPrefixes(videos);
  const exported = new Map<string, FrameMatch>();
  const own = new Map<string, FrameMatch | null>();
  const rows = db
    .prepare(
      `SELECT f.id, f.video_id, f.path, f.width, f.height FROM frames f JOIN batches b ON b.id = f.batch_id
       WHERE b.project_id = ? AND f.deleted_at IS NULL`,
    )
    .all(projectId);
  for (const row of rows) {
    const match = { frameId: String(row.id), width: Number(row.width), height: Number(row.height) };
    const file = String(row.path);
    exported.set(datasetFileName(prefixes.get(String(row.video_id)) ?? 'video', file).toLowerCase(), match);
    const key = safeFileName(baseName(file)).toLowerCase();
    own.set(key, own.has(key) ? null : match);
  }
  return (name) => {
    const key = safeFileName(name).toLowerCase();
    return exported.get(key) ?? own.get(key) ?? null;
  };
}

function sameShape(a: { type: ShapeType; points: readonly number[] }, b: { type: ShapeType; points: readonly number[] }): boolean {
  return a.type === b.type && a.points.length === b.points.length && a.points.every((value, i) => Math.abs(value - (b.points[i] ?? 0)) <= sameShapeSlack);
}

/** A batch name from the dataset's folder name, made unique in the project with " 2", " 3" …. */
export function newBatchName(db: Database, projectId: string | null, folder: string, taken: ReadonlySet<string> = new Set()): string {
  let base: string;
  try {
    base = validateBatchName(folder.slice(0, batchNameMaxLength));
  } catch {
    base = 'Imported images';
  }
  let name = base;
  const used = (candidate: string) => taken.has(candidate) || (projectId !== null && findBatchByName(db, projectId, candidate) !== null);
  for (let n = 2; used(name); n++) {
    const suffix = ` ${n}`;
    name = `${base.slice(0, batchNameMaxLength - suffix.length).trimEnd()}${suffix}`;
  }
  return name;
}

export class ImportPlan {
  readonly labels = new Map<string, PlannedLabel | null>();
  readonly images: PlannedImage[] = [];
  readonly counts = { matched: 0, added: 0, skipped: 0, shapesAdded: 0, unchanged: 0, clamped: 0, shapesSkipped: 0 };
  private readonly existingLabels: Map<string, Label>;
  private readonly labelNamesById: Map<string, string>;

  constructor(
    private readonly db: Database,
    private readonly project: Project | null,
    private readonly source: DatasetSource,
    readonly notes: Notes,
  ) {
    const labels = project ? listLabels(db, project.id) : [];
    this.existingLabels = new Map(labels.map((label) => [label.name.toLowerCase(), label]));
    this.labelNamesById = new Map(labels.map((label) => [label.id, label.name.toLowerCase()]));
  }

  /** The label a name stands for: one of the project's (compared without case), or one to create; null if unusable. */
  label(raw: string, spec: LabelSpec = { name: raw }): PlannedLabel | null {
    const seen = this.labels.get(raw);
    if (seen !== undefined) return seen;
    let planned: PlannedLabel | null;
    try {
      const name = validateLabelName(raw);
      const key = name.toLowerCase();
      const same = [...this.labels.values()].find((label) => label?.name.toLowerCase() === key);
      planned = same ?? { name, existing: this.existingLabels.get(key) ?? null, spec: this.checkedSpec(name, spec), id: null };
    } catch (error) {
      this.notes.problem(`label “${raw}”`, `${toAppError(error).message} Its shapes were left out.`);
      planned = null;
    }
    this.labels.set(raw, planned);
    return planned;
  }

  /** A label's colour and attribute definitions as the store will take them; what it would refuse is dropped, with a word. */
  private checkedSpec(name: string, spec: LabelSpec): LabelSpec {
    const checked: LabelSpec = { name, hotkey: spec.hotkey ?? null, attributes: [] };
    const item = `label “${name}”`;
    if (spec.color !== undefined) {
      try {
        checked.color = normaliseColor(spec.color);
      } catch {
        this.notes.warning(item, `“${spec.color}” is not a colour, so it got one of Stillframe's`);
      }
    }
    try {
      checked.attributes = validateAttributeDefs(spec.attributes ?? []);
    } catch (error) {
      this.notes.warning(item, `its attribute definitions were left out: ${toAppError(error).message}`);
    }
    return checked;
  }

  async build(signal: AbortSignal | undefined): Promise<void> {
    for (const spec of this.source.labels) this.label(spec.name, spec);
    const lookup = this.project ? projectFrameIndex(this.db, this.project.id) : () => null;
    const taken = new Set<string>();
    for (const [i, image] of this.source.images.entries()) {
      signal?.throwIfAborted();
      // Image sizes are read synchronously (image-size.ts): a turn of the event loop now and then keeps the app's
      // other calls answered while ten thousand are read.
      if (i % yieldEvery === yieldEvery - 1) await new Promise((resolve) => setImmediate(resolve));
      const match = lookup(image.fileName);
      if (match === null && image.placement) {
        const key = `${image.placement.video}:${image.placement.index}`;
        if (taken.has(key)) {
          this.skipImage(image, `another frame of the same video already has index ${image.placement.index}`);
          continue;
        }
        taken.add(key);
      }
      const size = match ?? (await this.sizeOf(image));
      if (size === null) continue;
      const planned: PlannedImage = { source: image, match, size: { width: size.width, height: size.height }, shapes: new PackedShapes<PlannedLabel>([]) };
      this.planShapes(planned);
      this.images.push(planned);
      if (match) this.counts.matched++;
      else this.counts.added++;
    }
  }

  private skipImage(image: SourceImage, why: string): void {
    this.notes.problem(image.item, `${why}; the image and its ${image.shapes.length} shape(s) were left out`);
    this.counts.skipped++;
    this.counts.shapesSkipped += image.shapes.length;
  }

  private async sizeOf(image: SourceImage): Promise<PixelSize | null> {
    if (image.file === null) {
      this.skipImage(image, 'its image file was not found');
      return null;
    }
    // A size the dataset states is taken as it is, so nothing has opened the file yet: its first bytes say whether it
    // is an image at all (whether it decodes is for FFmpeg to find, when its thumbnail is made).
    const size =
      image.width !== null && image.height !== null
        ? looksLikeImage(image.file)
          ? { width: image.width, height: image.height }
          : null
        : await imageSize(image.file).catch(() => null);
    if (size === null) this.skipImage(image, 'its file is not an image Stillframe can read');
    return size;
  }

  private planShapes(image: PlannedImage): void {
    const { width, height } = image.size;
    const existing: { type: ShapeType; points: number[]; label: string | null }[] = image.match
      ? listShapes(this.db, image.match.frameId).map((shape: Shape) => ({
          type: shape.type,
          points: shape.points,
          label: shape.labelId === null ? null : (this.labelNamesById.get(shape.labelId) ?? null),
        }))
      : [];
    let clamped = 0;
    const planned: PlannedShape[] = [];
    const shapes = image.source.shapes instanceof PackedShapes ? image.source.shapes.unpack() : image.source.shapes;
    shapes.forEach((shape: ImportShape, i) => {
      const label = shape.label === null ? null : this.label(shape.label);
      if (shape.label !== null && label === null) {
        this.counts.shapesSkipped++;
        return;
      }
      // Scaled from 0–1 and kept to a thousandth of a pixel: finer than six normalised decimals can say, and free of
      // float noise such as 38.400000000000006.
      const raw = shape.normalised
        ? shape.points.map((value, j) => Math.round(value * (j % 2 === 0 ? width : height) * 1000) / 1000)
        : shape.points;
      const points = fitGeometry(shape.type, raw, image.size);
      const problem = raw.every(Number.isFinite) ? geometryProblem(shape.type, points) : 'Shape points must be finite numbers.';
      if (problem !== null) {
        this.notes.problem(`${image.source.item}, shape ${i + 1}`, `${problem} It was left out.`);
        this.counts.shapesSkipped++;
        return;
      }
      if (raw.some((value, j) => value < -clampSlack || value > (j % 2 === 0 ? width : height) + clampSlack)) clamped++;
      const labelKey = label?.name.toLowerCase() ?? null;
      if (image.match && existing.some((other) => other.label === labelKey && sameShape(other, { type: shape.type, points }))) {
        this.counts.unchanged++;
        return;
      }
      if (image.match) existing.push({ type: shape.type, points, label: labelKey });
      planned.push({
        type: shape.type,
        points,
        label,
        note: shape.note ?? '',
        attributes: this.fittingAttributes(shape.attributes ?? {}, label, image.source.item),
        hidden: shape.hidden ?? false,
        locked: shape.locked ?? false,
        zIndex: image.match ? undefined : (shape.zIndex ?? i),
      });
      this.counts.shapesAdded++;
    });
    // The planned shapes are what is written: the dataset's own are let go, so the import holds its shapes once.
    image.source.shapes = [];
    image.shapes = new PackedShapes(planned);
    if (clamped > 0) {
      this.counts.clamped += clamped;
      this.notes.warning(image.source.item, `${clamped} shape(s) reached outside the ${width}×${height} image and were clamped to it`);
    }
  }

  private fittingAttributes(values: Record<string, AttributeValue>, label: PlannedLabel | null, item: string): Record<string, AttributeValue> {
    if (Object.keys(values).length === 0) return {};
    const defs: LabelAttributeDef[] = label?.existing?.attributes ?? label?.spec.attributes ?? [];
    const kept = keepFittingAttributes(values, { attributes: defs });
    if (Object.keys(kept).length < Object.keys(values).length) {
      this.notes.warning(item, `attribute values that label “${label?.name ?? '(none)'}” does not define were left out`);
    }
    return kept;
  }
}

