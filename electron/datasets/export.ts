import { stat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { AttributeValue, Label, ShapeType } from '../../shared/annotations';
import type { ExportProgress, ExportRequest, ExportSummary } from '../../shared/dataset-contract';
import type { Batch } from '../../shared/domain';
import { StillframeError } from '../../shared/errors';
import { CocoWriter } from '../../shared/formats/coco';
import { csvHeader, csvRows } from '../../shared/formats/csv';
import { ShapeTally, type DatasetLabel, type DatasetShape } from '../../shared/formats/dataset';
import { baseName, datasetFileName, stemOf, videoPrefixes } from '../../shared/formats/file-names';
import { planSplit, splitParts, splitRequested, type SplitPart, type SplitPlan } from '../../shared/formats/split';
import { StillframeWriter, type StillframeShape, type StillframeVideo } from '../../shared/formats/stillframe';
import { CvatWriter } from '../../shared/formats/cvat';
import { vocAnnotationXml } from '../../shared/formats/voc';
import { yoloDataYaml, yoloLabelText } from '../../shared/formats/yolo';
import { slugify } from '../../shared/names';
import { listLabels } from '../library/annotations';
import { getBatch, listBatches } from '../library/batches';
import type { Row } from '../library/database';
import type { LibraryPaths } from '../library/paths';
import { getProject } from '../library/projects';
import { parseStoredError } from '../library/videos';
import { noteExportBegun } from './export-journal';
import { FolderSink, isStagingName, settleLeftoverExports, ZipSink, type DatasetSink } from './sink';

export interface ExportHooks {
  signal?: AbortSignal;
  onProgress?: (progress: Omit<ExportProgress, 'exportId' | 'projectId'>) => void;
}

/** A frame to export, in export order: batches as the person ordered them, then videos as imported, then frame index. */
interface FrameRow {
  id: string;
  videoId: string;
  videoName: string;
  batchName: string;
  index: number;
  timestampMs: number;
  width: number;
  height: number;
  path: string;
}

const maxListedMissing = 200;

/**
 * The export reads through a connection of its own, inside one read transaction: WAL mode gives it a snapshot, so
 * the dataset is consistent even while the person keeps annotating, and its long-lived queries never hold up (or
 * get caught in) the app's own writes.
 */
function openSnapshot(file: string): DatabaseSync {
  const db = new DatabaseSync(file, { readOnly: true });
  db.exec('PRAGMA busy_timeout = 5000');
  db.exec('BEGIN');
  db.prepare('SELECT 1 FROM projects LIMIT 1').get();
  return db;
}

class ExportReader {
  private readonly shapeQuery: StatementSync;
  private readonly labelsById: Map<string, DatasetLabel>;

  constructor(
    readonly db: DatabaseSync,
    readonly projectId: string,
    readonly batches: readonly Batch[],
    readonly labels: readonly Label[],
    private readonly skipEmpty: boolean,
  ) {
    this.shapeQuery = db.prepare(
      'SELECT type, points, label_id, note, attributes, hidden, locked, z_index FROM shapes WHERE frame_id = ? ORDER BY z_index, id',
    );
    this.labelsById = new Map(labels.map((label, index) => [label.id, { index, name: label.name }]));
  }

  get datasetLabels(): DatasetLabel[] {
    return this.labels.map((label, index) => ({ index, name: label.name }));
  }

  private get batchFilter(): string {
    return `f.batch_id IN (${this.batches.map(() => '?').join(',') || 'NULL'})`;
  }

  private get batchIds(): string[] {
    return this.batches.map((batch) => batch.id);
  }

  count(withShapes: boolean | null): number {
    const shapes = withShapes === null ? '' : `AND ${withShapes ? '' : 'NOT'} EXISTS (SELECT 1 FROM shapes s WHERE s.frame_id = f.id)`;
    const row = this.db
      .prepare(`SELECT COUNT(*) AS n FROM frames f WHERE ${this.batchFilter} AND f.deleted_at IS NULL ${shapes}`)
      .get(...this.batchIds) as Row;
    return Number(row.n);
  }

  *frames(): Generator<FrameRow> {
    const query = this.db.prepare(
      `SELECT f.id, f.video_id, f.frame_index, f.timestamp_ms, f.width, f.height, f.path, v.name AS video_name
       FROM frames f JOIN videos v ON v.id = f.video_id
       WHERE f.batch_id = ? AND f.deleted_at IS NULL
         ${this.skipEmpty ? 'AND EXISTS (SELECT 1 FROM shapes s WHERE s.frame_id = f.id)' : ''}
       ORDER BY v.created_at, v.id, f.frame_index`,
    );
    for (const batch of this.batches) {
      for (const row of query.iterate(batch.id)) {
        yield {
          id: String(row.id),
          videoId: String(row.video_id),
          videoName: String(row.video_name),
          batchName: batch.name,
          index: Number(row.frame_index),
          timestampMs: Number(row.timestamp_ms),
          width: Number(row.width),
          height: Number(row.height),
          path: String(row.path),
        };
      }
    }
  }

  shapes(frameId: string): DatasetShape[] {
    return this.shapeQuery.all(frameId).map((row) => ({
      type: String(row.type) as ShapeType,
      points: JSON.parse(String(row.points)) as number[],
      label: row.label_id == null ? null : (this.labelsById.get(String(row.label_id)) ?? null),
      note: String(row.note),
      attributes: JSON.parse(String(row.attributes)) as Record<string, AttributeValue>,
      hidden: Number(row.hidden) === 1,
      locked: Number(row.locked) === 1,
      zIndex: Number(row.z_index),
    }));
  }

  /** Export names for every video of the project, in creation order, so a frame's name never depends on the export. */
  prefixes(): Map<string, string> {
    const videos = this.db
      .prepare('SELECT id, name FROM videos WHERE project_id = ? ORDER BY created_at, id')
      .all(this.projectId)
      .map((row) => ({ id: String(row.id), name: String(row.name) }));
    return videoPrefixes(videos);
  }

  /** Per label index, the most points that label has on one exported frame: the k of its COCO keypoint category. */
  keypointCounts(): Map<number, number> {
    const rows = this.db
      .prepare(
        `SELECT label_id, MAX(n) AS k FROM (
           SELECT s.label_id, COUNT(*) AS n FROM shapes s JOIN frames f ON f.id = s.frame_id
           WHERE s.type = 'point' AND s.label_id IS NOT NULL AND f.deleted_at IS NULL AND ${this.batchFilter}
           GROUP BY s.frame_id, s.label_id)
         GROUP BY label_id`,
      )
      .all(...this.batchIds);
    const counts = new Map<number, number>();
    for (const row of rows) {
      const label = this.labelsById.get(String(row.label_id));
      if (label) counts.set(label.index, Number(row.k));
    }
    return counts;
  }

  /**
   * The videos a Stillframe file needs: those of the exported batches, and those whose frames were moved into them.
   * Creation order, so an import creates them in the same order and their frames sort as they did here.
   */
  videos(): { row: Row; batchName: string }[] {
    const ids = this.batchIds;
    const marks = ids.map(() => '?').join(',') || 'NULL';
    return this.db
      .prepare(
        `SELECT v.*, b.name AS batch_name FROM videos v JOIN batches b ON b.id = v.batch_id
         WHERE v.project_id = ? AND (v.batch_id IN (${marks})
           OR EXISTS (SELECT 1 FROM frames f WHERE f.video_id = v.id AND f.deleted_at IS NULL AND f.batch_id IN (${marks})))
         ORDER BY v.created_at, v.id`,
      )
      .all(this.projectId, ...ids, ...ids)
      .map((row) => ({ row, batchName: String(row.batch_name) }));
  }
}

/**
 * True for an empty folder, false for one with files, null when there is none yet. Our own hidden staging folders do
 * not count: the person sees the folder empty, and one left by a killed export is cleared before this is asked.
 */
export async function isEmptyFolder(dir: string): Promise<boolean | null> {
  try {
    return (await readdir(dir)).every(isStagingName);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    // ENOTDIR also means a folder above is a file: creating the folder then says which.
    if (code === 'ENOTDIR' && (await stat(dir).then((info) => info.isFile(), () => false))) {
      throw new StillframeError('invalid-input', `“${dir}” is a file, not a folder.`);
    }
    if (code === 'ENOTDIR') return null;
    throw error;
  }
}

function checkOptions(request: ExportRequest): void {
  const yolo = request.format === 'yolo';
  if (yolo && request.images === 'none') {
    throw new StillframeError(
      'invalid-input',
      'YOLO looks for each label file beside its image (images/ and labels/), so its images must be copied or linked, not referenced.',
    );
  }
  if (!yolo && request.yoloSegments) throw new StillframeError('invalid-input', 'YOLO segments apply to the YOLO format only.');
  if (!formatsWithSplits.has(request.format) && splitRequested(request)) {
    throw new StillframeError('invalid-input', 'A train/val/test split applies to the YOLO and COCO formats only.');
  }
}

/** Formats whose datasets can be split into train, val and test: YOLO in folders, COCO in one file per split. */
const formatsWithSplits = new Set<ExportRequest['format']>(['yolo', 'coco']);

/** Folders that hold the images, per format. */
const imageFolders = { coco: 'images', yolo: 'images', voc: 'JPEGImages', cvat: 'images', csv: 'images', stillframe: 'images' } as const;

/**
 * Writes a project (or one batch) as a dataset. Memory stays flat whatever the number of frames: frames are read one
 * at a time from the snapshot, each image is placed and its annotations written before the next, and large files
 * are written piece by piece (COCO's arrays in two passes over the frames instead of one object in memory).
 */
export async function exportDataset(paths: LibraryPaths, request: ExportRequest, hooks: ExportHooks = {}): Promise<ExportSummary> {
  const started = Date.now();
  checkOptions(request);
  const outDir = path.resolve(request.outDir);
  await settleLeftoverExports(outDir);
  const empty = await isEmptyFolder(outDir);
  if (empty === false && !request.force) {
    throw new StillframeError(
      'conflict',
      `The folder “${outDir}” is not empty. Choose an empty folder, or write into it anyway (“Write into the folder even if it is not empty” in the app, --force on the command line): only the dataset's own files are replaced.`,
    );
  }

  const db = openSnapshot(paths.database);
  let sink: DatasetSink | null = null;
  let forget: (() => Promise<void>) | null = null;
  try {
    forget = await noteExportBegun(paths, outDir);
    const project = getProject(db, request.projectId);
    let batches = listBatches(db, project.id);
    let zipName = `${slugify(project.name)}-${request.format}.zip`;
    if (request.batchId !== undefined) {
      const batch = getBatch(db, request.batchId);
      if (batch.projectId !== project.id) throw new StillframeError('invalid-input', 'That batch belongs to another project.');
      batches = [batch];
      zipName = `${slugify(project.name)}-${batch.slug}-${request.format}.zip`;
    }
    const reader = new ExportReader(db, project.id, batches, listLabels(db, project.id), request.skipEmpty);
    const total = reader.count(request.skipEmpty ? true : null);
    const skippedEmpty = request.skipEmpty ? reader.count(false) : 0;

    sink = request.zip ? await ZipSink.create(outDir, empty === null, zipName) : await FolderSink.create(outDir, empty === null);
    const run = new ExportRun(paths, request, reader, sink, total, hooks);
    const result = await run.write(project.name);
    hooks.signal?.throwIfAborted();
    const outPath = await sink.commit();
    sink = null;
    hooks.onProgress?.({ phase: 'finishing', done: total, total });
    return {
      format: request.format,
      outPath,
      images: run.written,
      emptyImages: run.emptyImages,
      skippedEmpty,
      shapes: run.tally.written,
      imageFiles: run.imageFiles,
      missingImages: run.missing,
      moreMissingImages: run.moreMissing,
      skipped: run.tally.skipped,
      converted: run.tally.converted,
      split: result.split,
      durationMs: Date.now() - started,
    };
  } catch (error) {
    // The export's own failure is the one to report; anything discard leaves is cleared by the next export here.
    await sink?.discard().catch(() => undefined);
    if (hooks.signal?.aborted) throw new StillframeError('cancelled', 'The export was cancelled. Nothing was written.');
    throw error;
  } finally {
    db.exec('ROLLBACK');
    db.close();
    await forget?.();
  }
}

/** One export in progress: its counters, and how it places each frame's image. */
class ExportRun {
  readonly tally = new ShapeTally();
  readonly imageFiles = { copied: 0, linked: 0, referenced: 0 };
  readonly missing: string[] = [];
  moreMissing = 0;
  written = 0;
  emptyImages = 0;
  private readonly prefixes: Map<string, string>;
  private lastProgress = 0;

  constructor(
    private readonly paths: LibraryPaths,
    private readonly request: ExportRequest,
    private readonly reader: ExportReader,
    private readonly sink: DatasetSink,
    private readonly total: number,
    private readonly hooks: ExportHooks,
  ) {
    this.prefixes = reader.prefixes();
  }

  async write(projectName: string): Promise<{ split: ExportSummary['split'] }> {
    switch (this.request.format) {
      case 'coco':
        return { split: this.splitSummary(await this.coco(projectName)) };
      case 'yolo':
        return { split: this.splitSummary(await this.yolo(projectName)) };
      case 'voc':
        await this.voc();
        return { split: null };
      case 'cvat':
        await this.cvat(projectName);
        return { split: null };
      case 'csv':
        await this.csv();
        return { split: null };
      case 'stillframe':
        await this.stillframe(projectName);
        return { split: null };
    }
  }

  /** The split of every frame in export order, or null when none was asked for. */
  private plan(): SplitPlan | null {
    if (!splitRequested(this.request)) return null;
    const videos = new Map<string, number>();
    const videoOfImage = new Uint32Array(this.total);
    let position = 0;
    for (const frame of this.reader.frames()) {
      let video = videos.get(frame.videoId);
      if (video === undefined) {
        video = videos.size;
        videos.set(frame.videoId, video);
      }
      videoOfImage[position++] = video;
    }
    return planSplit(videoOfImage.subarray(0, position), this.request);
  }

  private splitSummary(result: { plan: SplitPlan; written: Record<SplitPart, number> } | null): ExportSummary['split'] {
    if (result === null) return null;
    const { valRatio, testRatio, splitBy } = this.request;
    return {
      ...result.written,
      splitBy,
      achieved: result.plan.achieved,
      requested: { train: 1 - valRatio - testRatio, val: valRatio, test: testRatio },
      sharedVideoImages: result.plan.sharedVideoImages,
    };
  }

  private fileName(frame: FrameRow): string {
    return datasetFileName(this.prefixes.get(frame.videoId) ?? 'video', frame.path);
  }

  private progress(phase: ExportProgress['phase'], done: number): void {
    this.hooks.signal?.throwIfAborted();
    const now = Date.now();
    if (done < this.total && now - this.lastProgress < 100) return;
    this.lastProgress = now;
    this.hooks.onProgress?.({ phase, done, total: this.total });
    this.hooks.signal?.throwIfAborted();
  }

  /**
   * Puts the frame's image into the dataset under `folder`; returns the name the annotations use for it, or null when
   * its file is gone from the library (the frame is then left out and listed).
   */
  private async placeImage(frame: FrameRow, folder: string): Promise<string | null> {
    const source = path.join(this.paths.root, frame.path);
    const found = await stat(source).then(
      (info) => info.isFile(),
      () => false,
    );
    if (!found) {
      if (this.missing.length < maxListedMissing) this.missing.push(source);
      else this.moreMissing++;
      return null;
    }
    const name = this.fileName(frame);
    if (this.request.images === 'none') {
      this.imageFiles.referenced++;
      return source;
    }
    const placed = await this.sink.placeImage(`${folder}/${name}`, source, this.request.images);
    this.imageFiles[placed]++;
    return name;
  }

  private countShapes(shapes: readonly DatasetShape[]): void {
    this.written++;
    if (shapes.length === 0) this.emptyImages++;
  }

  /** With a split, one annotation file per split (`instances_train.json` …) over images in `images/<split>/`. */
  private async coco(projectName: string): Promise<{ plan: SplitPlan; written: Record<SplitPart, number> } | null> {
    const plan = this.plan();
    const used = plan === null ? [null] : splitParts.filter((part) => plan.counts[part] > 0 || part !== 'test');
    const files = new Map<SplitPart | null, { writer: CocoWriter; out: Awaited<ReturnType<DatasetSink['openText']>>; id: number }>();
    for (const part of used) {
      const writer = new CocoWriter(this.reader.keypointCounts(), this.tally);
      const out = await this.sink.openText(part === null ? 'annotations/instances.json' : `annotations/instances_${part}.json`);
      const description = `${projectName}${part === null ? '' : `, ${part} split`}, exported by Stillframe`;
      await out.write(writer.opening({ description, dateCreated: new Date() }, this.reader.datasetLabels));
      files.set(part, { writer, out, id: 0 });
    }
    const partAt = (position: number): SplitPart | null => (plan === null ? null : (splitParts[plan.parts[position] ?? 0] ?? 'train'));
    const written: Record<SplitPart, number> = { train: 0, val: 0, test: 0 };
    // Images first, then annotations: two passes over the same snapshot, so both see the same frames in the same order.
    const missing = new Set<string>();
    let done = 0;
    for (const frame of this.reader.frames()) {
      const part = partAt(done);
      this.progress('images', ++done);
      const file = files.get(part);
      if (file === undefined) continue;
      const fileName = await this.placeImage(frame, part === null ? imageFolders.coco : `${imageFolders.coco}/${part}`);
      if (fileName === null) missing.add(frame.id);
      else {
        const source = { video: frame.videoName, timestampMs: frame.timestampMs, frameIndex: frame.index };
        await file.out.write(file.writer.image({ id: ++file.id, fileName: part === null ? fileName : `${part}/${fileName}`, width: frame.width, height: frame.height, source }));
        if (part !== null) written[part]++;
      }
    }
    for (const file of files.values()) {
      await file.out.write(file.writer.betweenImagesAndAnnotations);
      file.id = 0;
    }
    done = 0;
    for (const frame of this.reader.frames()) {
      const file = files.get(partAt(done));
      this.progress('annotations', ++done);
      if (file === undefined || missing.has(frame.id)) continue;
      const shapes = this.reader.shapes(frame.id);
      this.countShapes(shapes);
      await file.out.write(file.writer.annotationsFor({ id: ++file.id }, shapes));
    }
    for (const file of files.values()) {
      await file.out.write(file.writer.closing);
      await file.out.close();
    }
    return plan === null ? null : { plan, written };
  }

  private async yolo(projectName: string): Promise<{ plan: SplitPlan; written: Record<SplitPart, number> } | null> {
    const plan = this.plan();
    const counts: Record<SplitPart, number> = { train: 0, val: 0, test: 0 };
    let position = 0;
    for (const frame of this.reader.frames()) {
      this.progress('images', position + 1);
      const part = plan === null ? null : (splitParts[plan.parts[position] ?? 0] ?? 'train');
      position++;
      const sub = part ? `/${part}` : '';
      const fileName = await this.placeImage(frame, `${imageFolders.yolo}${sub}`);
      if (fileName === null) continue;
      if (part) counts[part]++;
      const shapes = this.reader.shapes(frame.id);
      this.countShapes(shapes);
      const text = yoloLabelText(frame, shapes, { segments: this.request.yoloSegments }, this.tally);
      await this.sink.writeFile(`labels${sub}/${stemOf(fileName)}.txt`, text);
    }
    const parts = plan === null ? null : { test: plan.counts.test > 0 };
    await this.sink.writeFile('data.yaml', yoloDataYaml(this.reader.labels.map((label) => label.name), parts, projectName));
    return plan === null ? null : { plan, written: counts };
  }

  private async voc(): Promise<void> {
    const list = await this.sink.openText('ImageSets/Main/default.txt');
    let done = 0;
    for (const frame of this.reader.frames()) {
      this.progress('images', ++done);
      const placed = await this.placeImage(frame, imageFolders.voc);
      if (placed === null) continue;
      const referenced = this.request.images === 'none';
      const fileName = referenced ? baseName(placed) : placed;
      const stem = stemOf(this.fileName(frame));
      const shapes = this.reader.shapes(frame.id);
      this.countShapes(shapes);
      const xml = vocAnnotationXml(
        { fileName, path: referenced ? placed : null, width: frame.width, height: frame.height },
        shapes,
        this.tally,
      );
      await this.sink.writeFile(`Annotations/${stem}.xml`, xml);
      await list.write(`${stem}\n`);
    }
    await list.close();
  }

  /** CVAT for images 1.1: annotations.xml with the images in images/, which CVAT's own loader takes back as a zip. */
  private async cvat(projectName: string): Promise<void> {
    const writer = new CvatWriter(this.tally);
    const out = await this.sink.openText('annotations.xml');
    const labels = this.reader.labels.map((label, index) => ({ index, name: label.name, color: label.color, attributes: label.attributes }));
    await out.write(writer.opening(projectName, this.total, labels, new Date()));
    let id = 0;
    let done = 0;
    for (const frame of this.reader.frames()) {
      this.progress('images', ++done);
      const fileName = await this.placeImage(frame, imageFolders.cvat);
      if (fileName === null) continue;
      const shapes = this.reader.shapes(frame.id);
      this.countShapes(shapes);
      await out.write(writer.image({ id: ++id, fileName, width: frame.width, height: frame.height }, shapes));
    }
    await out.write(writer.closing);
    await out.close();
  }

  private async csv(): Promise<void> {
    const out = await this.sink.openText('annotations.csv');
    await out.write(csvHeader());
    let done = 0;
    for (const frame of this.reader.frames()) {
      this.progress('images', ++done);
      const image = await this.placeImage(frame, imageFolders.csv);
      if (image === null) continue;
      const shapes = this.reader.shapes(frame.id);
      this.countShapes(shapes);
      const file = this.request.images === 'none' ? image : `${imageFolders.csv}/${image}`;
      await out.write(
        csvRows(
          { image: file, batch: frame.batchName, video: frame.videoName, index: frame.index, timestampMs: frame.timestampMs, width: frame.width, height: frame.height },
          shapes,
          this.tally,
        ),
      );
    }
    await out.close();
  }

  private async stillframe(projectName: string): Promise<void> {
    const videos = this.reader.videos();
    const keys = new Map(videos.map(({ row }, i) => [String(row.id), i + 1]));
    const referencedBatches = new Set([...this.reader.batches.map((batch) => batch.name), ...videos.map((video) => video.batchName)]);
    const batches = listBatches(this.reader.db, this.reader.projectId)
      .filter((batch) => referencedBatches.has(batch.name))
      .map((batch) => ({ name: batch.name }));
    const writer = new StillframeWriter();
    const out = await this.sink.openText('stillframe.json');
    await out.write(
      writer.opening({
        project: { name: projectName },
        labels: this.reader.labels.map((label) => ({ name: label.name, color: label.color, hotkey: label.hotkey, attributes: label.attributes })),
        batches,
        videos: videos.map(({ row, batchName }, i): StillframeVideo => ({
          key: i + 1,
          batch: batchName,
          name: String(row.name),
          sourceType: row.source_type === 'loom' ? 'loom' : 'file',
          sourcePath: String(row.source_path),
          sizeBytes: Number(row.size_bytes),
          contentHash: String(row.content_hash),
          status: String(row.status) as StillframeVideo['status'],
          error: parseStoredError(row.error),
          probe: row.probe == null ? null : (JSON.parse(String(row.probe)) as Record<string, unknown>),
        })),
      }),
    );
    let done = 0;
    for (const frame of this.reader.frames()) {
      this.progress('images', ++done);
      const placed = await this.placeImage(frame, imageFolders.stillframe);
      if (placed === null) continue;
      const shapes = this.reader.shapes(frame.id);
      this.countShapes(shapes);
      this.tally.written += shapes.length;
      await out.write(
        writer.frame({
          batch: frame.batchName,
          video: keys.get(frame.videoId) ?? 0,
          index: frame.index,
          timestampMs: frame.timestampMs,
          width: frame.width,
          height: frame.height,
          name: baseName(frame.path),
          file: this.request.images === 'none' ? placed : `${imageFolders.stillframe}/${placed}`,
          shapes: shapes.map(
            (shape): StillframeShape => ({
              type: shape.type,
              label: shape.label?.name ?? null,
              points: [...shape.points],
              note: shape.note,
              attributes: { ...shape.attributes },
              hidden: shape.hidden,
              locked: shape.locked,
              zIndex: shape.zIndex,
            }),
          ),
        }),
      );
    }
    await out.write(writer.closing);
    await out.close();
  }
}
