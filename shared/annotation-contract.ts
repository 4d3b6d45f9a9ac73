import { z } from 'zod';
import {
  annotationCountSchema,
  labelCreateSchema,
  labelPatchSchema,
  labelSchema,
  shapeInputSchema,
  shapeSchema,
} from './annotations';
import { defineCall } from './define-call';
import { idSchema } from './domain';
import { uuidPattern } from './ids';

const call = defineCall;
const maxShapesPerCall = 10_000;
const shapeInputs = z.array(shapeInputSchema).max(maxShapesPerCall);

const pastedSchema = z.object({
  shapes: z.array(shapeSchema),
  /** Shapes left out because nothing of them lay inside the target frame once clamped to its size. */
  skipped: z.number(),
});

const shapeMoveSchema = z
  .object({
    /** Made by the client with `uuidv7()`: the host applies a move once, however often the page sends it. */
    moveId: z.string().regex(uuidPattern, 'Move ids are UUIDs made with uuidv7().'),
    frameId: idSchema,
    ids: z.array(idSchema).min(1).max(maxShapesPerCall),
    dx: z.number(),
    dy: z.number(),
  })
  .strict();
export type ShapeMove = z.output<typeof shapeMoveSchema>;

const shapesMovedSchema = z.object({
  /** The shapes moved: ids not on the frame (deleted meanwhile) are skipped. */
  moved: z.number(),
  /** The offset applied: shortened, as the canvas does, so the shapes stay whole inside the frame. */
  dx: z.number(),
  dy: z.number(),
});
export type ShapesMoved = z.infer<typeof shapesMovedSchema>;

/** The annotation calls; shared/contract.ts spreads them into `calls`. */
export const annotationCalls = {
  'labels.list': call(z.object({ projectId: idSchema }).strict(), z.array(labelSchema)),
  'labels.create': call(labelCreateSchema, labelSchema),
  'labels.update': call(labelPatchSchema.extend({ id: idSchema }).strict(), labelSchema),
  /** Refused while shapes use the label, unless they move to `reassignTo` or go with it (`deleteShapes`). */
  'labels.delete': call(
    z
      .object({ id: idSchema, reassignTo: idSchema.optional(), deleteShapes: z.boolean().default(false) })
      .strict()
      .refine((input) => !(input.deleteShapes && input.reassignTo !== undefined), {
        message: 'Either move the shapes to another label or delete them, not both.',
      }),
    z.object({ id: idSchema, reassignedShapes: z.number(), deletedShapes: z.number() }),
  ),
  /** Bottom to top. */
  'shapes.list': call(z.object({ frameId: idSchema }).strict(), z.array(shapeSchema)),
  /** Creates the shape when its id is new, else replaces it; the id is the client's UUIDv7. */
  'shapes.save': call(z.object({ shape: shapeInputSchema }).strict(), shapeSchema),
  /** Returns what was deleted, so undo can write it back with the same ids; ids already gone are skipped. */
  'shapes.delete': call(z.object({ ids: z.array(idSchema).min(1).max(maxShapesPerCall) }).strict(), z.array(shapeSchema)),
  /** `shapes.save` for many shapes at once, all or none. */
  'shapes.restore': call(z.object({ shapes: shapeInputs.min(1) }).strict(), z.array(shapeSchema)),
  /**
   * Moves shapes of one frame by one offset in one step: a move of 5,000 polygons sends their ids, not their
   * 200,000 numbers. Sent again with the same `moveId`, it moves no shape twice (only those written back since, as
   * the writes sent again with it do) and answers as it did the first time.
   */
  'shapes.move': call(shapeMoveSchema, shapesMovedSchema),
  /** Copies with new ids on top of the target frame, clamped to its size; the given ids and frame ids are ignored. */
  'shapes.paste': call(z.object({ toFrameId: idSchema, shapes: shapeInputs.min(1) }).strict(), pastedSchema),
  'shapes.copyFromFrame': call(z.object({ fromFrameId: idSchema, toFrameId: idSchema }).strict(), pastedSchema),
  /** Only frames that have shapes; a frame left out has none. */
  'frames.annotationCounts': call(z.object({ batchId: idSchema }).strict(), z.array(annotationCountSchema)),
} as const;
