import { z } from 'zod';
import { defineCall } from './define-call';
import { idSchema } from './domain';
import { datasetFormats, exportFormats, importFormats } from './formats/dataset';

const call = defineCall;

const exportFormatSchema = z.enum(exportFormats);
const importFormatSchema = z.enum(importFormats);
/** Images copied beside the annotations, hard-linked where the file system allows (else copied), or referenced by path. */
const imagesModeSchema = z.enum(['copy', 'link', 'none']);
export type ImagesMode = z.infer<typeof imagesModeSchema>;

const exportRequestFields = z
  .object({
    projectId: idSchema,
    /** One batch only; omitted: the whole project. */
    batchId: idSchema.optional(),
    format: exportFormatSchema,
    outDir: z.string().min(1).max(4096),
    images: imagesModeSchema.default('copy'),
    /** Write one store-only .zip into outDir instead of the dataset's folders. */
    zip: z.boolean().default(false),
    /** Leave out frames without shapes. */
    skipEmpty: z.boolean().default(false),
    /** YOLO: polygons as segmentation lines instead of their boxes. */
    yoloSegments: z.boolean().default(false),
    /** YOLO and COCO: share of images put in the validation split (0 and testRatio 0: no split). */
    valRatio: z.number().min(0).max(0.95).default(0),
    /** YOLO and COCO: share of images put in the test split. */
    testRatio: z.number().min(0).max(0.95).default(0),
    /** Whole videos to one split each (no near-identical frames on both sides), or frames one by one. */
    splitBy: z.enum(['video', 'frame']).default('video'),
    /** YOLO and COCO: the split's seed; the same seed always picks the same images. */
    seed: z.number().int().min(0).max(0xffffffff).default(0),
    /** Write into a folder that already holds files (only the dataset's own files and folders are replaced). */
    force: z.boolean().default(false),
    /** Chosen by the caller: names this export in its progress events and to `datasets.cancel`. */
    exportId: idSchema.optional(),
  })
  .strict();
/** A split must leave some images for training; the one rule for every request that exports. */
const leavesTraining = [
  (request: { valRatio: number; testRatio: number }) => request.valRatio + request.testRatio < 1,
  { message: 'The validation and test shares must leave some images for training.' },
] as const;
const exportRequestSchema = exportRequestFields.refine(...leavesTraining);
export type ExportRequest = z.output<typeof exportRequestSchema>;

const splitPartsSchema = z.object({ train: z.number(), val: z.number(), test: z.number() });
const reasonCountSchema = z.object({ reason: z.string(), count: z.number() });
const noteSchema = z.object({ item: z.string(), message: z.string() });

const exportSummarySchema = z.object({
  format: exportFormatSchema,
  /** The dataset folder, or the .zip file. */
  outPath: z.string(),
  images: z.number(),
  /** Images written without any shape. */
  emptyImages: z.number(),
  /** Frames left out because they have no shapes (skipEmpty). */
  skippedEmpty: z.number(),
  /** Shapes written (for COCO keypoints: each point). */
  shapes: z.number(),
  imageFiles: z.object({ copied: z.number(), linked: z.number(), referenced: z.number() }),
  /** Frames left out because their image file is gone from the library (at most 200; `moreMissingImages` counts the rest). */
  missingImages: z.array(z.string()),
  moreMissingImages: z.number(),
  /** Shapes the format cannot hold, per reason. */
  skipped: z.array(reasonCountSchema),
  /** Shapes written in another form than they have (a polygon as its box, points as keypoints), per reason. */
  converted: z.array(reasonCountSchema),
  split: z
    .object({
      train: z.number(),
      val: z.number(),
      test: z.number(),
      splitBy: z.enum(['video', 'frame']),
      /** The share of images each split got, beside the ratios asked for. */
      achieved: splitPartsSchema,
      requested: splitPartsSchema,
      /** Per split, images that come from a video which also feeds another split (0 when split by video). */
      sharedVideoImages: splitPartsSchema,
    })
    .nullable(),
  durationMs: z.number(),
});
export type ExportSummary = z.infer<typeof exportSummarySchema>;

export const exportProgressSchema = z.object({
  exportId: idSchema.nullable(),
  projectId: idSchema,
  phase: z.enum(['images', 'annotations', 'finishing']),
  done: z.number(),
  total: z.number(),
});
export type ExportProgress = z.infer<typeof exportProgressSchema>;

const importRequestSchema = z
  .object({
    projectId: idSchema,
    /** `auto`: the import finds out, and says in `found` what it found. */
    format: importFormatSchema,
    /** The dataset: its folder, its annotation file (annotations.xml, data.yaml, a JSON export), or a .zip of either. */
    from: z.string().min(1).max(4096),
    /** The folder the images are in, when not where the format's tools put them (Label Studio's, for one). */
    images: z.string().min(1).max(4096).optional(),
    /** CVAT for video: the video the tracks were drawn on; the annotated frames are cut from it. */
    video: z.string().min(1).max(4096).optional(),
    /** Report what would change and write nothing. */
    dryRun: z.boolean().default(false),
    /** Chosen by the caller: names this import to `datasets.cancelImport`. */
    importId: idSchema.optional(),
  })
  .strict();

const importSummarySchema = z.object({
  /** The format read: the one asked for, or the one `auto` found. */
  format: z.enum(datasetFormats),
  /** The format and layout found, in words: "COCO annotations/instances_val2017.json, images in val2017/". */
  found: z.string(),
  dryRun: z.boolean(),
  images: z.object({
    total: z.number(),
    /** Images that are frames of the project already (same file name): their shapes are added to those frames. */
    matched: z.number(),
    /** Images copied into the library as new frames. */
    added: z.number(),
    /** Images left out (their file is missing or unreadable). */
    skipped: z.number(),
  }),
  /** The batches new frames went into. */
  batches: z.array(z.string()),
  labels: z.object({ created: z.array(z.string()), existing: z.array(z.string()) }),
  shapes: z.object({
    added: z.number(),
    /** Already on their frame, identical: not added twice. */
    unchanged: z.number(),
    /** Reached outside their image and were clamped to it. */
    clamped: z.number(),
    skipped: z.number(),
  }),
  /** Shapes read in another form than the dataset gives them (RLE masks as traced polygons or boxes), per reason. */
  converted: z.array(reasonCountSchema),
  /** What could not be imported, item by item (at most 200; `moreProblems` counts the rest). */
  problems: z.array(noteSchema),
  moreProblems: z.number(),
  /** What was imported with a change (clamped, converted), item by item (at most 200). */
  warnings: z.array(noteSchema),
  moreWarnings: z.number(),
  durationMs: z.number(),
});
export type ImportSummary = z.infer<typeof importSummarySchema>;

/**
 * An export made to be downloaded (the browser host, whose page cannot name a folder on this computer): one .zip,
 * written into a private temporary folder and then fetched from `downloadPath(downloadId)` (host-wire.ts), which
 * streams it and removes it.
 */
const downloadRequestSchema = exportRequestFields.omit({ outDir: true, zip: true, force: true }).strict().refine(...leavesTraining);
export type DownloadRequest = z.output<typeof downloadRequestSchema>;

const preparedDownloadSchema = z.object({
  downloadId: idSchema,
  fileName: z.string(),
  bytes: z.number(),
  summary: exportSummarySchema,
});
export type PreparedDownload = z.infer<typeof preparedDownloadSchema>;

/** What an export of this project (or batch) will leave out, said before it starts. */
const exportPreviewSchema = z.object({
  frames: z.number(),
  shapes: z.number(),
  /** Shapes without a label: COCO, YOLO and Pascal VOC need a class for every object and leave these out. */
  unlabelled: z.number(),
});
export type ExportPreview = z.infer<typeof exportPreviewSchema>;

/** Imported frames' thumbnails, made after the import: until then the grid shows their full images. */
const thumbnailProgressSchema = z.object({
  /** Made, and failed (FFmpeg could not read the image; its full image stays as the thumbnail), since the pass began. */
  made: z.number(),
  failed: z.number(),
  /** Still to make. */
  remaining: z.number(),
});
export type ThumbnailProgress = z.infer<typeof thumbnailProgressSchema>;

/** The dataset events; shared/contract.ts spreads them into `events`. */
export const datasetEvents = {
  'thumbnails.progress': thumbnailProgressSchema,
} as const;

/** The dataset calls; shared/contract.ts spreads them into `calls`. */
export const datasetCalls = {
  /** Long-running: progress arrives as `export.progress` events; a cancelled export leaves nothing behind. */
  'datasets.export': call(exportRequestSchema, exportSummarySchema),
  'datasets.cancelExport': call(z.object({ exportId: idSchema }).strict(), z.object({ cancelled: z.boolean() })),
  'datasets.import': call(importRequestSchema, importSummarySchema),
  'datasets.preview': call(z.object({ projectId: idSchema, batchId: idSchema.optional() }).strict(), exportPreviewSchema),
  /** Long-running like `datasets.export`, with the same progress events. */
  'datasets.prepareDownload': call(downloadRequestSchema, preparedDownloadSchema),
  /** A cancelled import writes nothing. */
  'datasets.cancelImport': call(z.object({ importId: idSchema }).strict(), z.object({ cancelled: z.boolean() })),
  /** How far the thumbnail pass after an import is; progress also arrives as `thumbnails.progress` events. */
  'datasets.thumbnails': call(z.object({}).strict(), thumbnailProgressSchema),
} as const;
