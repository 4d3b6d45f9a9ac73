import { z } from 'zod';
import { defineCall } from './define-call';
import { idSchema } from './domain';
import { leftOutReasonSchema, selectionSchema } from './frame-selection';
import { samplingSchema } from './sampling';

const call = defineCall;

export const leftOutFrameSchema = z.object({
  id: idSchema,
  videoId: idSchema,
  videoName: z.string(),
  batchId: idSchema,
  /** The index the frame would have had; a frame brought back gets it, so it sits in time order among the others. */
  index: z.number(),
  timestampMs: z.number(),
  reason: leftOutReasonSchema,
  /** Relative to the library folder, like a frame's thumbPath. */
  thumbPath: z.string(),
});
export type LeftOutFrame = z.infer<typeof leftOutFrameSchema>;

export const leftOutCountsSchema = z.object({ duplicate: z.number(), blurry: z.number(), 'not-picked': z.number() });
export type LeftOutCounts = z.infer<typeof leftOutCountsSchema>;

const cleanupItemSchema = z.object({ frameId: idSchema, thumbPath: z.string(), timestampMs: z.number(), reason: leftOutReasonSchema });

/** The frame selection calls; shared/contract.ts spreads them into `calls`. */
export const selectionCalls = {
  'leftOut.list': call(
    z.object({ batchId: idSchema }).strict(),
    z.object({ frames: z.array(leftOutFrameSchema), counts: leftOutCountsSchema }),
  ),
  /** Extracts the left-out frames now, at their own timestamps; Undo is `frames.delete` of the returned ids. */
  'leftOut.bringBack': call(
    z.object({ ids: z.array(idSchema).min(1).max(10_000) }).strict(),
    z.object({ frameIds: z.array(idSchema) }),
  ),
  /** What the filters would do to the first seconds of a video, scaled to the whole video: the import dialog's count. */
  'selection.estimate': call(
    z
      .object({
        path: z.string().min(1).max(4096),
        sampling: samplingSchema,
        maxFrames: z.number().int().positive().optional(),
        selection: selectionSchema,
        seconds: z.number().positive().max(600).default(20),
      })
      .strict(),
    z.object({ sampled: z.number(), kept: z.number(), total: z.number(), estimatedKept: z.number() }),
  ),
  /** The frames of a batch that the filters would remove; nothing is deleted (the view deletes them, with Undo). */
  'selection.previewBatch': call(
    z.object({ batchId: idSchema, selection: selectionSchema }).strict(),
    z.object({ remove: z.array(cleanupItemSchema), total: z.number() }),
  ),
} as const;
