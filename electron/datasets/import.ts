import { copyFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import {
  keepFittingAttributes,
  normaliseColor,
  validateAttributeDefs,
  validateLabelName,
  type AttributeValue,
  type Label,
  type LabelAttributeDef,
  type ParsedShapeInput,
  type Shape,
  type ShapeType,
} from '../../shared/annotations';
import type { ImportSummary } from '../../shared/dataset-contract';
import type { Project } from '../../shared/domain';
import { StillframeError, toAppError } from '../../shared/errors';
import type { ImportFormat, ImportNote, ImportShape } from '../../shared/formats/dataset';
import { baseName, datasetFileName, safeFileName, stemOf, videoPrefixes } from '../../shared/formats/file-names';
import type { StillframeVideo } from '../../shared/formats/stillframe';
import { fitGeometry, geometryProblem } from '../../shared/geometry';
import { uuidv7 } from '../../shared/ids';
import { batchNameMaxLength, validateBatchName } from '../../shared/names';
import type { VideoProbe } from '../media/probe';
import { createLabel, deleteLabel, listLabels, listShapes, restoreShapes } from '../library/annotations';
import { createBatch, deleteBatch, findBatchByName, listBatches, reorderBatches } from '../library/batches';
import { transaction, type Database } from '../library/database';
import { insertFrames } from '../library/frames';
import { toLibraryRelative, type LibraryPaths } from '../library/paths';
import { findVideoByHash, insertVideo } from '../library/videos';
import { imageSize, type PixelSize } from './image-size';
import { readDatasetSource, type DatasetSource, type LabelSpec, type SourceImage } from './sources';
import { makeThumbnails } from './thumbnails';

export interface ImportOptions {
  /** Null only for a dry run into a project that does not exist yet: everything would be new. */
  project: Project | null;
  format: ImportFormat;
  from: string;
  dryRun: boolean;
  signal?: AbortSignal;
}

const maxListed = 200;
/** Clamping by less than this is rounding in the dataset (six decimals of a normalised coordinate), not worth a word. */
const clampSlack = 0.01;
/** Shapes this close, coordinate by coordinate, are the same shape written back (COCO keeps two decimals). */
const sameShapeSlack = 0.05;

/** Colours for labels a dataset brings without one, far apart so neighbouring labels are told apart on the canvas. */
const palette = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#bfef45', '#469990', '#9a6324', '#800000', '#000075'];

interface PlannedLabel {
  name: string;
  existing: Label | null;
  spec: LabelSpec;
  /** Set once created. */
  id: string | null;
}

interface PlannedShape {
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

interface PlannedImage {
  source: SourceImage;
  match: FrameMatch | null;
  size: PixelSize;
  shapes: PlannedShape[];
}

/** Problems and warnings, item by item, the first 200 of each listed and the rest counted. */
class Notes {
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
function newBatchName(db: Database, projectId: string | null, folder: string): string {
  let base: string;
  try {
    base = validateBatchName(folder.slice(0, batchNameMaxLength));
  } catch {
    base = 'Imported images';
  }
  if (projectId === null) return base;
  let name = base;
  for (let n = 2; findBatchByName(db, projectId, name); n++) {
    const suffix = ` ${n}`;
    name = `${base.slice(0, batchNameMaxLength - suffix.length).trimEnd()}${suffix}`;
  }
  return name;
}

class ImportPlan {
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
    for (const image of this.source.images) {
      signal?.throwIfAborted();
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
      const planned: PlannedImage = { source: image, match, size: { width: size.width, height: size.height }, shapes: [] };
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
    if (image.width !== null && image.height !== null) return { width: image.width, height: image.height };
    const size = await imageSize(image.file).catch(() => null);
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
    image.source.shapes.forEach((shape: ImportShape, i) => {
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
      image.shapes.push({
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

/** A new video that new frames go into. */
interface PlannedVideo {
  id: string;
  batchName: string;
  name: string;
  meta: StillframeVideo | null;
}

interface NewFrameFile {
  image: PlannedImage;
  video: PlannedVideo;
  batchName: string;
  index: number;
  timestampMs: number;
  file: string;
  thumb: string;
}

/**
 * Imports a COCO, YOLO or Stillframe dataset into a project. Images that are frames of the project already (by file
 * name) get the dataset's shapes; the others are copied into the library as new frames, with thumbnails made by
 * FFmpeg, in a new batch named after the dataset's folder (Stillframe files: in their own batches and videos).
 * Labels are matched by name or created. Files are placed first and rows committed after, so a failure leaves
 * nothing half-imported.
 */
export async function importDataset(db: Database, paths: LibraryPaths, options: ImportOptions): Promise<ImportSummary> {
  const started = Date.now();
  const source = await readDatasetSource(options.format, options.from);
  const notes = new Notes(source);
  const plan = new ImportPlan(db, options.project, source, notes);
  await plan.build(options.signal);

  const usedLabels = [...new Set([...plan.labels.values()].filter((label): label is PlannedLabel => label !== null))];
  const newImages = plan.images.filter((image) => image.match === null);
  const videos = videosToCreate(db, options.project, source, newImages);
  const batchNames = targetBatches(db, options.project, source, newImages, videos);
  const summary = (): ImportSummary => ({
    format: options.format,
    dryRun: options.dryRun,
    images: { total: source.images.length, matched: plan.counts.matched, added: plan.counts.added, skipped: plan.counts.skipped },
    batches: batchNames,
    labels: {
      created: usedLabels.filter((label) => label.existing === null).map((label) => label.name),
      existing: usedLabels.filter((label) => label.existing !== null).map((label) => label.existing?.name ?? label.name),
    },
    shapes: { added: plan.counts.shapesAdded, unchanged: plan.counts.unchanged, clamped: plan.counts.clamped, skipped: plan.counts.shapesSkipped },
    problems: notes.problems,
    moreProblems: notes.moreProblems,
    warnings: notes.warnings,
    moreWarnings: notes.moreWarnings,
    durationMs: Date.now() - started,
  });
  if (options.dryRun) return summary();
  if (!options.project) throw new StillframeError('invalid-input', 'Choose the project to import into.');

  const writer = new ImportWriter(db, paths, options.project, source, plan, usedLabels, batchNames, videos);
  try {
    await writer.write(options.signal);
  } catch (error) {
    if (options.signal?.aborted) throw new StillframeError('cancelled', 'The import was cancelled. Nothing was changed.');
    throw error;
  }
  return summary();
}

/**
 * Stillframe files: the videos to create. Those with new frames, and those that had no frames to begin with (a video
 * that failed to extract) unless their batch already holds the same file, so importing twice adds nothing twice.
 */
function videosToCreate(db: Database, project: Project | null, source: DatasetSource, newImages: readonly PlannedImage[]): StillframeVideo[] {
  if (source.layout === null) return [];
  const withNewFrames = new Set(newImages.map((image) => image.source.placement?.video));
  const withFrames = new Set(source.images.map((image) => image.placement?.video));
  return source.layout.videos.filter((video) => {
    if (withNewFrames.has(video.key)) return true;
    if (withFrames.has(video.key)) return false;
    const batch = project ? findBatchByName(db, project.id, video.batch) : null;
    return batch === null || findVideoByHash(db, batch.id, video.contentHash) === null;
  });
}

/** The batches new frames and videos go into: one named after the dataset's folder, or a Stillframe file's own. */
function targetBatches(
  db: Database,
  project: Project | null,
  source: DatasetSource,
  newImages: readonly PlannedImage[],
  videos: readonly StillframeVideo[],
): string[] {
  if (source.layout === null) return newImages.length > 0 ? [newBatchName(db, project?.id ?? null, path.basename(source.root))] : [];
  const used = new Set([...newImages.map((image) => image.source.placement?.batch ?? ''), ...videos.map((video) => video.batch)]);
  const listed = source.layout.batches;
  return listed.filter((name) => used.has(name)).concat([...used].filter((name) => !listed.includes(name)));
}

class ImportWriter {
  /** Folders of the new videos: everything an import adds on disk is inside them. */
  private readonly folders = new Set<string>();
  private readonly createdLabels: string[] = [];
  private readonly createdBatches: string[] = [];
  private readonly slugs = new Map<string, { id: string; slug: string }>();

  constructor(
    private readonly db: Database,
    private readonly paths: LibraryPaths,
    private readonly project: Project,
    private readonly source: DatasetSource,
    private readonly plan: ImportPlan,
    private readonly labels: readonly PlannedLabel[],
    private readonly batchNames: readonly string[],
    private readonly videos: readonly StillframeVideo[],
  ) {}

  async write(signal: AbortSignal | undefined): Promise<void> {
    try {
      this.createLabelsAndBatches();
      const newImages = this.plan.images.filter((image) => image.match === null);
      const videos = this.planVideos(newImages);
      const files = await this.placeFiles(newImages, videos, signal);
      transaction(this.db, () => {
        const frameIds = this.insertRows([...videos.values()], files);
        this.insertShapes(frameIds);
      });
    } catch (error) {
      await this.undo();
      throw error;
    }
  }

  /**
   * Labels and batches come first, in their own transaction: new frames' files go under their batch's folder, whose
   * name (slug) exists only once the batch does.
   */
  private createLabelsAndBatches(): void {
    const base = Date.now();
    transaction(this.db, () => {
      const hotkeys = new Set(listLabels(this.db, this.project.id).map((label) => label.hotkey));
      let colour = listLabels(this.db, this.project.id).length;
      for (const label of this.labels) {
        if (label.existing) {
          label.id = label.existing.id;
          continue;
        }
        const hotkey = label.spec.hotkey ?? null;
        const free = hotkey !== null && !hotkeys.has(hotkey) ? hotkey : null;
        if (hotkey !== null && free === null) this.plan.notes.warning(`label “${label.name}”`, `hotkey ${hotkey} is taken by another label, so it has none`);
        hotkeys.add(free);
        const attributes = label.spec.attributes ?? [];
        const color = label.spec.color ?? palette[colour++ % palette.length] ?? palette[0] ?? '';
        const created = createLabel(this.db, { projectId: this.project.id, name: label.name, color, hotkey: free, attributes });
        label.id = created.id;
        this.createdLabels.push(created.id);
      }
      // Labels list in creation order; ones created within the same millisecond would otherwise fall in id order,
      // which is random within it, and a dataset's class order must survive the import.
      const stamp = this.db.prepare('UPDATE labels SET created_at = ? WHERE id = ?');
      this.createdLabels.forEach((id, i) => stamp.run(base + i, id));

      const before = listBatches(this.db, this.project.id).map((batch) => batch.id);
      for (const name of this.batchNames) {
        const batch = findBatchByName(this.db, this.project.id, name) ?? createBatch(this.db, this.project.id, name);
        if (!before.includes(batch.id)) this.createdBatches.push(batch.id);
        this.slugs.set(name, { id: batch.id, slug: batch.slug });
      }
      if (this.source.layout !== null && this.createdBatches.length > 0) {
        reorderBatches(this.db, this.project.id, [...before, ...this.createdBatches]);
      }
    });
  }

  private batch(name: string): { id: string; slug: string } {
    const batch = this.slugs.get(name);
    if (!batch) throw new StillframeError('internal', `The batch “${name}” was not prepared.`);
    return batch;
  }

  /** The new videos: one for a dataset of plain images, named after its folder, else the Stillframe file's. */
  private planVideos(newImages: readonly PlannedImage[]): Map<number, PlannedVideo> {
    const planned = new Map<number, PlannedVideo>();
    if (this.source.layout === null) {
      const batchName = this.batchNames[0];
      if (newImages.length > 0 && batchName !== undefined) {
        planned.set(0, { id: uuidv7(), batchName, name: path.basename(this.source.root), meta: null });
      }
      return planned;
    }
    const base = Date.now();
    // Ids in file order, a millisecond apart: videos of one instant list by id, and their frames sort by it.
    this.videos.forEach((video, i) => planned.set(video.key, { id: uuidv7(base + i), batchName: video.batch, name: video.name, meta: video }));
    return planned;
  }

  /** Copies each new image to its frame's place in the library and makes its thumbnail; unreadable ones are left out. */
  private async placeFiles(
    newImages: readonly PlannedImage[],
    videos: ReadonlyMap<number, PlannedVideo>,
    signal: AbortSignal | undefined,
  ): Promise<NewFrameFile[]> {
    const names = new Set<string>();
    const files: NewFrameFile[] = [];
    newImages.forEach((image, i) => {
      const placement = image.source.placement;
      const video = videos.get(placement?.video ?? 0);
      if (!video) return;
      const batchName = placement?.batch ?? video.batchName;
      const folder = [this.project.id, this.batch(batchName).slug, video.id];
      this.folders.add(path.join(this.paths.frames, ...folder));
      this.folders.add(path.join(this.paths.thumbs, ...folder));
      const wanted = safeFileName(placement?.name ?? image.source.fileName);
      let name = wanted;
      for (let n = 2; names.has([...folder, name.toLowerCase()].join('/')); n++) name = `${stemOf(wanted)}-${n}${path.extname(wanted)}`;
      names.add([...folder, name.toLowerCase()].join('/'));
      files.push({
        image,
        video,
        batchName,
        index: placement?.index ?? i + 1,
        timestampMs: placement?.timestampMs ?? 0,
        file: path.join(this.paths.frames, ...folder, name),
        thumb: path.join(this.paths.thumbs, ...folder, `${stemOf(name)}.jpg`),
      });
    });
    for (const entry of files) {
      signal?.throwIfAborted();
      await mkdir(path.dirname(entry.file), { recursive: true });
      await copyFile(entry.image.source.file ?? '', entry.file);
    }
    const failed = await makeThumbnails(
      files.map((entry) => ({ source: entry.file, target: entry.thumb, ...entry.image.size })),
      this.paths.tmp,
      signal,
    );
    for (const entry of files.filter((candidate) => failed.has(candidate.file))) {
      this.plan.notes.problem(entry.image.source.item, `FFmpeg could not read it as an image; it and its ${entry.image.shapes.length} shape(s) were left out`);
      this.plan.counts.added--;
      this.plan.counts.skipped++;
      this.plan.counts.shapesAdded -= entry.image.shapes.length;
      this.plan.counts.shapesSkipped += entry.image.shapes.length;
      await rm(entry.file, { force: true });
    }
    return files.filter((entry) => !failed.has(entry.file));
  }

  /** The new videos' rows and the placed files' frame rows; returns each new image's frame id. */
  private insertRows(videos: readonly PlannedVideo[], files: readonly NewFrameFile[]): Map<PlannedImage, string> {
    const frameIds = new Map<PlannedImage, string>();
    for (const video of videos) {
      const meta = video.meta;
      insertVideo(this.db, {
        id: video.id,
        projectId: this.project.id,
        batchId: this.batch(video.batchName).id,
        name: video.name,
        sourcePath: meta?.sourcePath ?? this.source.root,
        sizeBytes: meta?.sizeBytes ?? 0,
        contentHash: meta?.contentHash ?? '',
        // No extraction job comes with a video, so one exported mid-extraction could never leave those states here.
        status: meta?.status === 'pending' || meta?.status === 'processing' ? 'cancelled' : (meta?.status ?? 'done'),
        error: meta?.error ?? null,
        probe: (meta?.probe ?? null) as VideoProbe | null,
      });
      if (meta?.sourceType === 'loom') this.db.prepare("UPDATE videos SET source_type = 'loom' WHERE id = ?").run(video.id);
      const groups = new Map<string, NewFrameFile[]>();
      for (const entry of files.filter((candidate) => candidate.video === video)) {
        const group = groups.get(entry.batchName);
        if (group) group.push(entry);
        else groups.set(entry.batchName, [entry]);
      }
      for (const [batchName, entries] of groups) {
        insertFrames(
          this.db,
          video.id,
          this.batch(batchName).id,
          entries.map((entry) => ({
            index: entry.index,
            timestampMs: entry.timestampMs,
            width: entry.image.size.width,
            height: entry.image.size.height,
            path: toLibraryRelative(this.paths.root, entry.file),
            thumbPath: toLibraryRelative(this.paths.root, entry.thumb),
          })),
        );
      }
      const ids = new Map(
        this.db
          .prepare('SELECT id, frame_index FROM frames WHERE video_id = ?')
          .all(video.id)
          .map((row) => [Number(row.frame_index), String(row.id)]),
      );
      for (const entry of files.filter((candidate) => candidate.video === video)) frameIds.set(entry.image, ids.get(entry.index) ?? '');
    }
    return frameIds;
  }

  /** Image by image, inside the caller's transaction, so no list of every shape is built. */
  private insertShapes(frameIds: ReadonlyMap<PlannedImage, string>): void {
    const base = Date.now();
    for (const image of this.plan.images) {
      const frameId = image.match?.frameId ?? frameIds.get(image);
      if (frameId === undefined || image.shapes.length === 0) continue;
      restoreShapes(
        this.db,
        image.shapes.map(
          (shape, i): ParsedShapeInput => ({
            // A millisecond apart: shapes of equal z-index stack by id, so their order in the dataset survives.
            id: uuidv7(base + i),
            frameId,
            type: shape.type,
            points: shape.points,
            labelId: shape.label?.id ?? null,
            note: shape.note,
            attributes: shape.attributes,
            hidden: shape.hidden,
            locked: shape.locked,
            zIndex: shape.zIndex,
          }),
        ),
      );
    }
  }

  /** Removes what a failed import had placed and created, so the library is as it was. */
  private async undo(): Promise<void> {
    for (const folder of this.folders) await rm(folder, { recursive: true, force: true });
    transaction(this.db, () => {
      for (const id of this.createdBatches) deleteBatch(this.db, this.paths, id);
      for (const id of this.createdLabels) deleteLabel(this.db, id, { deleteShapes: true });
    });
  }
}
