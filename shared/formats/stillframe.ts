import { z } from 'zod';
import { attributeValueSchema, labelAttributeDefSchema, shapeTypeSchema } from '../annotations';
import { appErrorSchema } from '../error-schema';
import { ArrayJoiner } from './dataset';

/**
 * Stillframe's own dataset file: everything a project holds (batches, videos, frames, labels with their attribute
 * definitions, shapes with attributes, notes, visibility and stacking), so that importing it into an empty library
 * gives the same project back. It carries no row ids or timestamps, which belong to one library's history: rows
 * refer to each other by name (labels, batches, unique in a project) or by position (videos), and the export order
 * is fixed, so exporting the imported project again writes the very same file.
 */

const stillframeFormatVersion = 1;

/** FFprobe's findings as the library stored them; a record, not an object schema, so its keys keep their order. */
const probeSchema = z
  .record(z.string(), z.unknown())
  .refine(
    (probe) => ['durationMs', 'width', 'height', 'rotation'].every((key) => typeof probe[key] === 'number'),
    'A video probe needs durationMs, width, height and rotation.',
  );

const stillframeLabelSchema = z.object({
  name: z.string(),
  color: z.string(),
  hotkey: z.number().int().min(1).max(9).nullable(),
  attributes: z.array(labelAttributeDefSchema),
});

const stillframeVideoSchema = z.object({
  /** 1-based position in `videos`: what frames refer to. */
  key: z.number().int().positive(),
  batch: z.string(),
  name: z.string(),
  sourceType: z.enum(['file', 'loom']),
  sourcePath: z.string(),
  sizeBytes: z.number(),
  contentHash: z.string(),
  status: z.enum(['pending', 'processing', 'done', 'failed', 'cancelled']),
  error: appErrorSchema.nullable(),
  probe: probeSchema.nullable(),
});
export type StillframeVideo = z.infer<typeof stillframeVideoSchema>;

const stillframeShapeSchema = z.object({
  type: shapeTypeSchema,
  label: z.string().nullable(),
  points: z.array(z.number()),
  note: z.string(),
  attributes: z.record(z.string(), attributeValueSchema),
  hidden: z.boolean(),
  locked: z.boolean(),
  zIndex: z.number().int(),
});
export type StillframeShape = z.infer<typeof stillframeShapeSchema>;

export const stillframeFrameSchema = z.object({
  batch: z.string(),
  video: z.number().int().positive(),
  index: z.number().int(),
  timestampMs: z.number(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** The frame's own file name in the library (frame_000001.jpg). */
  name: z.string().min(1),
  /** The image: relative to this file when exported with it, else an absolute path. */
  file: z.string().min(1),
  shapes: z.array(stillframeShapeSchema),
});
export type StillframeFrame = z.infer<typeof stillframeFrameSchema>;

export const stillframeDocumentSchema = z.object({
  stillframe: z.literal(stillframeFormatVersion),
  project: z.object({ name: z.string() }),
  labels: z.array(stillframeLabelSchema),
  batches: z.array(z.object({ name: z.string() })),
  videos: z.array(stillframeVideoSchema),
  frames: z.array(stillframeFrameSchema),
});
type StillframeHead = Omit<z.infer<typeof stillframeDocumentSchema>, 'stillframe' | 'frames'>;

/** Writes the file in pieces: everything but the frames first, then one frame per line. */
export class StillframeWriter {
  private readonly frames = new ArrayJoiner();

  opening(head: StillframeHead): string {
    const list = (items: readonly unknown[]) => {
      const joiner = new ArrayJoiner();
      return `[${items.map((item) => joiner.next(JSON.stringify(item))).join('')}${joiner.close}`;
    };
    return (
      `{"stillframe":${stillframeFormatVersion},\n"project":${JSON.stringify(head.project)},\n` +
      `"labels":${list(head.labels)},\n"batches":${list(head.batches)},\n"videos":${list(head.videos)},\n"frames":[`
    );
  }

  frame(frame: StillframeFrame): string {
    return this.frames.next(JSON.stringify(frame));
  }

  get closing(): string {
    return `${this.frames.close}}\n`;
  }
}
