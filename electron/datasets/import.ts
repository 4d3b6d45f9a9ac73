import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ImportSummary } from '../../shared/dataset-contract';
import type { Project } from '../../shared/domain';
import { StillframeError } from '../../shared/errors';
import type { ImportFormat } from '../../shared/formats/dataset';
import type { StillframeVideo } from '../../shared/formats/stillframe';
import { findBatchByName } from '../library/batches';
import type { Database } from '../library/database';
import type { LibraryPaths } from '../library/paths';
import { findVideoByHash } from '../library/videos';
import { ImportPlan, newBatchName, Notes, type PlannedImage, type PlannedLabel } from './import-plan';
import { ImportWriter } from './import-writer';
import { readDatasetSource, type DatasetSource } from './sources';

export interface ImportOptions {
  /** Null only for a dry run into a project that does not exist yet: everything would be new. */
  project: Project | null;
  format: ImportFormat;
  from: string;
  dryRun: boolean;
  /** Where the images are, when not where the format's tools put them. */
  images?: string;
  /** CVAT for video: the video to cut the annotated frames from. */
  video?: string;
  signal?: AbortSignal;
  /**
   * The built file placer's script, to copy the new images on a thread of their own while the rows go in. Only for
   * a connection that is the import's alone (the dataset thread's): its transaction then stays open while it waits
   * for the copies, and another caller's writes on the same connection would land inside it.
   */
  filePlacer?: string | null;
}

/**
 * Imports a dataset (COCO, CVAT, Pascal VOC, YOLO, VoTT, Label Studio or Stillframe JSON; a folder, file or .zip)
 * into a project. Images that are frames of the project already (by file
 * name) get the dataset's shapes; the others are copied into the library as new frames, with thumbnails made by
 * FFmpeg, in a new batch named after the dataset's folder (Stillframe files: in their own batches and videos).
 * Labels are matched by name or created. The rows commit only once every file is in place (see ImportWriter), so
 * a failure leaves nothing half-imported.
 */
export async function importDataset(db: Database, paths: LibraryPaths, options: ImportOptions): Promise<ImportSummary> {
  const started = Date.now();
  await mkdir(paths.tmp, { recursive: true });
  const workDir = await mkdtemp(path.join(paths.tmp, 'import-'));
  try {
    return await importFrom(db, paths, options, workDir, started);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

async function importFrom(db: Database, paths: LibraryPaths, options: ImportOptions, workDir: string, started: number): Promise<ImportSummary> {
  const source = await readDatasetSource(options.format, options.from, { images: options.images, video: options.video, workDir, signal: options.signal });
  const notes = new Notes(source);
  const plan = new ImportPlan(db, options.project, source, notes);
  await plan.build(options.signal);

  const usedLabels = [...new Set([...plan.labels.values()].filter((label): label is PlannedLabel => label !== null))];
  const newImages = plan.images.filter((image) => image.match === null);
  const videos = videosToCreate(db, options.project, source, newImages);
  const batchNames = targetBatches(db, options.project, source, newImages, videos);
  const summary = (): ImportSummary => ({
    format: source.format,
    found: source.found,
    dryRun: options.dryRun,
    images: { total: source.images.length, matched: plan.counts.matched, added: plan.counts.added, skipped: plan.counts.skipped },
    batches: batchNames,
    labels: {
      created: usedLabels.filter((label) => label.existing === null).map((label) => label.name),
      existing: usedLabels.filter((label) => label.existing !== null).map((label) => label.existing?.name ?? label.name),
    },
    shapes: { added: plan.counts.shapesAdded, unchanged: plan.counts.unchanged, clamped: plan.counts.clamped, skipped: plan.counts.shapesSkipped },
    converted: source.converted,
    problems: notes.problems,
    moreProblems: notes.moreProblems,
    warnings: notes.warnings,
    moreWarnings: notes.moreWarnings,
    durationMs: Date.now() - started,
  });
  if (options.dryRun) return summary();
  if (!options.project) throw new StillframeError('invalid-input', 'Choose the project to import into.');

  const writer = new ImportWriter(db, paths, options.project, source, plan, usedLabels, batchNames, videos, options.filePlacer ?? null);
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

/**
 * The batches new frames and videos go into: one per subset the dataset files its images under (CVAT subsets, VOC
 * image sets), one named after the dataset's folder for the rest, or a Stillframe file's own. Each new image is told
 * its batch.
 */
function targetBatches(
  db: Database,
  project: Project | null,
  source: DatasetSource,
  newImages: readonly PlannedImage[],
  videos: readonly StillframeVideo[],
): string[] {
  if (source.layout === null) {
    const names = new Map<string | null, string>();
    for (const image of newImages) {
      const subset = image.source.batch;
      let name = names.get(subset);
      if (name === undefined) {
        name = newBatchName(db, project?.id ?? null, subset ?? path.basename(source.root), new Set(names.values()));
        names.set(subset, name);
      }
      image.newBatch = name;
    }
    return [...names.values()];
  }
  const used = new Set([...newImages.map((image) => image.source.placement?.batch ?? ''), ...videos.map((video) => video.batch)]);
  const listed = source.layout.batches;
  return listed.filter((name) => used.has(name)).concat([...used].filter((name) => !listed.includes(name)));
}

