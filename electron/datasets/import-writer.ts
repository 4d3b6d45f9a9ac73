import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { ParsedShapeInput } from '../../shared/annotations';
import type { Project } from '../../shared/domain';
import { StillframeError } from '../../shared/errors';
import { safeFileName, stemOf } from '../../shared/formats/file-names';
import type { StillframeVideo } from '../../shared/formats/stillframe';
import { uuidv7 } from '../../shared/ids';
import type { VideoProbe } from '../media/probe';
import { addImportedShapes, labelCreator, listLabels } from '../library/annotations';
import { createBatch, findBatchByName, listBatches, reorderBatches } from '../library/batches';
import { transaction, type Database } from '../library/database';
import { insertFrames } from '../library/frames';
import { toLibraryRelative, type LibraryPaths } from '../library/paths';
import { insertVideo } from '../library/videos';
import type { ImportPlan, PlannedImage, PlannedLabel } from './import-plan';
import type { DatasetSource } from './sources';
import { placeInline, placeOnThread, type Placements } from './file-placing';
import { queueThumbnails } from './thumbnail-pass';

/** Colours for labels a dataset brings without one, far apart so neighbouring labels are told apart on the canvas. */
const palette = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#bfef45', '#469990', '#9a6324', '#800000', '#000075'];

/** A new video that new frames go into. */
export interface PlannedVideo {
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
  /**
   * Its folder under frames/ and thumbs/ (the staging folder's, then its batch's), one string shared by the video's
   * frames, and its file name: two absolute paths per frame were 3.7 MB of a 10,000-frame import's heap.
   */
  folder: string;
  name: string;
}

function thumbName(entry: NewFrameFile): string {
  return `${stemOf(entry.name)}.jpg`;
}

export class ImportWriter {
  /** The staging folders and the video folders moved out of them: everything an import adds on disk. */
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
    /** The placer thread's script, or null to copy the files on this thread before the rows go in. */
    private readonly filePlacer: string | null,
  ) {}

  /**
   * Files into a staging folder of the project's that nothing refers to, and one transaction that creates the labels
   * and batches, inserts every row and, once every file is placed, moves each new video's files under its batch's
   * folder (named by the batch's slug, which exists only once the batch does) before it commits. Killed anywhere, the
   * library holds all of the import or none of it, plus at most folders no row points into.
   */
  async write(signal: AbortSignal | undefined): Promise<void> {
    const staging = path.join(this.project.id, `.import-${uuidv7()}`);
    this.folders.add(path.join(this.paths.frames, staging));
    this.folders.add(path.join(this.paths.thumbs, staging));
    try {
      const newImages = this.plan.images.filter((image) => image.match === null);
      const planned = this.planVideos(newImages);
      const videos = [...planned.values()];
      const files = this.frameFiles(newImages, planned, staging);
      if (this.filePlacer === null) {
        await placeInline(this.placements(files), signal);
        signal?.throwIfAborted();
        transaction(this.db, () => this.moveIntoBatches(this.insertAll(videos, files)));
      } else {
        await this.writeWhilePlacing(this.filePlacer, videos, files, signal);
      }
    } catch (error) {
      await this.undo();
      throw error;
    }
    await rm(path.join(this.paths.frames, staging), { recursive: true, force: true });
    await rm(path.join(this.paths.thumbs, staging), { recursive: true, force: true });
  }

  /**
   * The rows go in while the placer thread copies the files, and the transaction commits once it has. Copying is
   * file creation, bound by the file system and not by this thread: measured on the 10,000-image import, it took as
   * long as the rows did.
   */
  private async writeWhilePlacing(
    script: string,
    videos: readonly PlannedVideo[],
    files: NewFrameFile[],
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const failed = new AbortController();
    const placing = placeOnThread(script, this.placements(files), signal ? AbortSignal.any([signal, failed.signal]) : failed.signal);
    try {
      await transaction(this.db, async () => {
        const moves = this.insertAll(videos, files);
        await placing;
        signal?.throwIfAborted();
        this.moveIntoBatches(moves);
      });
    } catch (error) {
      // The transaction may have failed while the placer copies: it is stopped, so it writes nothing after undo.
      failed.abort();
      await placing.catch(() => undefined);
      throw error;
    }
  }

  /**
   * Inside the caller's transaction: labels, batches, videos, frames (with their files' places under their batches),
   * the thumbnails to make, and shapes. Returns the staged folders to move where the frame rows say.
   */
  private insertAll(videos: readonly PlannedVideo[], files: NewFrameFile[]): Map<string, string> {
    this.createLabelsAndBatches();
    const moves = this.batchFolders(files);
    const frameIds = this.insertRows(videos, files);
    queueThumbnails(this.db, frameIds.values());
    this.insertShapes(frameIds);
    return moves;
  }

  /** Each new frame's folder under its batch's, named once the batch exists; returns the staged folders to move there. */
  private batchFolders(files: NewFrameFile[]): Map<string, string> {
    const moves = new Map<string, string>();
    for (const entry of files) {
      let to = moves.get(entry.folder);
      if (to === undefined) {
        to = path.join(this.project.id, this.batch(entry.batchName).slug, entry.video.id);
        moves.set(entry.folder, to);
      }
      entry.folder = to;
    }
    return moves;
  }

  /** Moves each staged video folder to its batch's folder, inside the transaction that creates the batch. */
  private moveIntoBatches(moves: ReadonlyMap<string, string>): void {
    for (const [from, to] of moves) {
      for (const root of [this.paths.frames, this.paths.thumbs]) {
        if (!existsSync(path.join(root, from))) continue;
        mkdirSync(path.dirname(path.join(root, to)), { recursive: true });
        renameSync(path.join(root, from), path.join(root, to));
        this.folders.add(path.join(root, to));
      }
    }
  }

  private frameFile(entry: NewFrameFile): string {
    return path.join(this.paths.frames, entry.folder, entry.name);
  }

  private thumbFile(entry: NewFrameFile): string {
    return path.join(this.paths.thumbs, entry.folder, thumbName(entry));
  }

  /** Labels and batches, inside the caller's transaction. */
  private createLabelsAndBatches(): void {
    const base = Date.now();
    transaction(this.db, () => {
      const hotkeys = new Set(listLabels(this.db, this.project.id).map((label) => label.hotkey));
      let colour = listLabels(this.db, this.project.id).length;
      const createLabel = labelCreator(this.db, this.project.id);
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
        const created = createLabel({ name: label.name, color, hotkey: free, attributes });
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
      // Batches made within one millisecond would list in random order; the dataset's order (its subsets') must hold.
      if (this.createdBatches.length > 0) {
        reorderBatches(this.db, this.project.id, [...before, ...this.createdBatches]);
      }
    });
  }

  private batch(name: string): { id: string; slug: string } {
    const batch = this.slugs.get(name);
    if (!batch) throw new StillframeError('internal', `The batch “${name}” was not prepared.`);
    return batch;
  }

  /**
   * The new videos: for a dataset of plain images one per batch (keyed by the batch's place in the list), named after
   * the dataset's folder, else the Stillframe file's.
   */
  private planVideos(newImages: readonly PlannedImage[]): Map<number, PlannedVideo> {
    const planned = new Map<number, PlannedVideo>();
    if (this.source.layout === null) {
      if (newImages.length === 0) return planned;
      this.batchNames.forEach((batchName, i) => planned.set(i, { id: uuidv7(), batchName, name: path.basename(this.source.root), meta: null }));
      return planned;
    }
    const base = Date.now();
    // Ids in file order, a millisecond apart: videos of one instant list by id, and their frames sort by it.
    this.videos.forEach((video, i) => planned.set(video.key, { id: uuidv7(base + i), batchName: video.batch, name: video.name, meta: video }));
    return planned;
  }

  /** Each new image's frame file: its video, batch and name, in a staging folder (nothing is written yet). */
  private frameFiles(newImages: readonly PlannedImage[], videos: ReadonlyMap<number, PlannedVideo>, staging: string): NewFrameFile[] {
    const names = new Set<string>();
    const folders = new Map<string, string>();
    const files: NewFrameFile[] = [];
    newImages.forEach((image, i) => {
      const placement = image.source.placement;
      const video = videos.get(placement?.video ?? Math.max(0, this.batchNames.indexOf(image.newBatch ?? '')));
      if (!video) return;
      const batchName = placement?.batch ?? video.batchName;
      const key = `${this.batchNames.indexOf(batchName)}/${video.id}`;
      let folder = folders.get(key);
      if (folder === undefined) {
        folder = path.join(staging, key);
        folders.set(key, folder);
      }
      const wanted = safeFileName(placement?.name ?? image.source.fileName);
      let name = wanted;
      for (let n = 2; names.has(`${key}/${name.toLowerCase()}`); n++) name = `${stemOf(wanted)}-${n}${path.extname(wanted)}`;
      names.add(`${key}/${name.toLowerCase()}`);
      files.push({ image, video, batchName, index: placement?.index ?? i + 1, timestampMs: placement?.timestampMs ?? 0, folder, name });
    });
    return files;
  }

  /**
   * Where the new images are copied to in staging, each full image standing in for its thumbnail: the thumbnails
   * come after the commit (thumbnail-pass.ts).
   */
  private placements(files: readonly NewFrameFile[]): Placements {
    const folders: string[] = [];
    const indexes = new Map<string, number>();
    const folder = (absolute: string) => {
      let index = indexes.get(absolute);
      if (index === undefined) {
        index = folders.push(absolute) - 1;
        indexes.set(absolute, index);
      }
      return index;
    };
    return {
      folders,
      files: files.map((entry) => ({
        source: entry.image.source.file ?? '',
        imageFolder: folder(path.join(this.paths.frames, entry.folder)),
        image: entry.name,
        thumbFolder: folder(path.join(this.paths.thumbs, entry.folder)),
        thumb: thumbName(entry),
      })),
    };
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
            path: toLibraryRelative(this.paths.root, this.frameFile(entry)),
            thumbPath: toLibraryRelative(this.paths.root, this.thumbFile(entry)),
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

  /** Inside the caller's transaction. */
  private insertShapes(frameIds: ReadonlyMap<PlannedImage, string>): void {
    const base = Date.now();
    const plan = this.plan;
    // A generator, so one image's inputs exist at a time and no list of every shape is built.
    function* frames(): Generator<{ frameId: string; shapes: ParsedShapeInput[] }> {
      for (const image of plan.images) {
        const frameId = image.match?.frameId ?? frameIds.get(image);
        if (frameId === undefined || image.shapes.length === 0) continue;
        // Written once yielded: taken from the image, so memory falls as the write goes on instead of holding every shape.
        const planned = image.shapes.unpack();
        yield {
          frameId,
          shapes: planned.map(
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
        };
      }
    }
    addImportedShapes(this.db, frames());
  }

  /** Removes the files a failed import had placed; its rows went with the transaction's rollback. */
  private async undo(): Promise<void> {
    for (const folder of this.folders) await rm(folder, { recursive: true, force: true });
  }
}

