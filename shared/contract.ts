import { z } from 'zod';
import { annotationCalls } from './annotation-contract';
import { datasetCalls, datasetEvents, exportProgressSchema } from './dataset-contract';
import {
  batchSchema,
  frameSchema,
  idSchema,
  jobSchema,
  projectSchema,
  queueStatsSchema,
  videoSchema,
} from './domain';
import { appErrorSchema } from './error-schema';
import { libraryChangesSchema } from './library-changes';
import { defineCall } from './define-call';
import { selectionCalls } from './selection-contract';
import { monitoringCalls, monitoringEvents } from './monitoring-contract';
import { settingsCalls } from './settings-contract';
import { sharingCalls, sharingEvents } from './sharing-contract';
import { syncCalls, syncEvents } from './sync-contract';
import { extractionOptionsSchema } from './sampling';
import { processOnSchema, teamCalls, teamEvents } from './worker-contract';

/**
 * The one API between the UI and the services. Both hosts (Electron IPC and the browser host's WebSocket)
 * carry exactly these calls and events, and validate every input against these schemas.
 */
const call = defineCall;
const empty = z.object({}).strict();

const frameIdsSchema = z.array(idSchema).min(1).max(100_000);

export const batchChoiceSchema = z.union([
  z.object({ newName: z.string() }).strict(),
  z.object({ existingId: idSchema }).strict(),
]);
export type BatchChoice = z.infer<typeof batchChoiceSchema>;

export const ingestedVideoSchema = z.object({
  file: z.string(),
  video: videoSchema.nullable(),
  /** Set when this exact file was already in the batch; nothing was added for it. */
  duplicateOf: idSchema.nullable(),
  error: appErrorSchema.nullable(),
});
export type IngestedVideo = z.infer<typeof ingestedVideoSchema>;

export const appInfoSchema = z.object({
  version: z.string(),
  libraryPath: z.string(),
  ffmpeg: z.object({ found: z.boolean(), message: z.string().nullable() }),
});
export type AppInfo = z.infer<typeof appInfoSchema>;

export const calls = {
  ...annotationCalls,
  ...datasetCalls,
  ...settingsCalls,
  ...selectionCalls,
  ...monitoringCalls,
  ...syncCalls,
  ...teamCalls,
  ...sharingCalls,
  'app.info': call(empty, appInfoSchema),
  /** The host's count of library changes now: cheap, it reads nothing of the library. */
  'library.changes': call(empty, libraryChangesSchema),
  'projects.list': call(empty, z.array(projectSchema)),
  'projects.create': call(z.object({ name: z.string().max(1000) }).strict(), projectSchema),
  'projects.rename': call(z.object({ id: idSchema, name: z.string().max(1000) }).strict(), projectSchema),
  'projects.delete': call(z.object({ id: idSchema }).strict(), z.object({ id: idSchema })),
  'batches.list': call(z.object({ projectId: idSchema }).strict(), z.array(batchSchema)),
  'batches.rename': call(z.object({ id: idSchema, name: z.string().max(1000) }).strict(), batchSchema),
  'batches.delete': call(z.object({ id: idSchema }).strict(), z.object({ id: idSchema, frames: z.number() })),
  'batches.reorder': call(
    z.object({ projectId: idSchema, orderedIds: z.array(idSchema).max(10_000) }).strict(),
    z.array(batchSchema),
  ),
  'ingest.start': call(
    z
      .object({
        projectId: idSchema,
        batch: batchChoiceSchema,
        paths: z.array(z.string().min(1).max(4096)).max(10_000).default([]),
        /** Loom share or folder links, checked by the host before any network request. */
        links: z.array(z.string().max(2048)).max(1_000).default([]),
        options: extractionOptionsSchema,
        /** "Process on this computer" (the local queue) or "Process on team workers" (upload, then the team's queue). */
        processOn: processOnSchema.default('this-computer'),
      })
      .strict()
      .refine((input) => input.paths.length + input.links.length > 0, { message: 'Give at least one file, folder or Loom link.' }),
    z.object({ batch: batchSchema, videos: z.array(ingestedVideoSchema) }),
  ),
  /**
   * Checks an import before its files are uploaded (the browser host): the batch choice, refused as
   * `ingest.start` would refuse it, and each file by name and size, answered in order.
   */
  'ingest.check': call(
    z
      .object({
        projectId: idSchema,
        batch: batchChoiceSchema,
        files: z
          .array(z.object({ name: z.string().min(1).max(1000), sizeBytes: z.number().int().min(0) }).strict())
          .min(1)
          .max(10_000),
      })
      .strict(),
    z.object({ files: z.array(z.object({ name: z.string(), error: appErrorSchema.nullable() })) }),
  ),
  'videos.list': call(z.object({ batchId: idSchema }).strict(), z.array(videoSchema)),
  /** Removes a failed or cancelled video that has no frames, with its jobs. */
  'videos.delete': call(z.object({ id: idSchema }).strict(), z.object({ id: idSchema })),
  'frames.list': call(
    z
      .object({
        batchId: idSchema,
        /** Where the page starts, by position in the batch's order: the page at a scroll position, asked for directly. */
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(20_000).default(5_000),
        /** The last frame of the page before: the next page starts right behind it, and `offset` is ignored. */
        after: z.object({ videoId: idSchema, index: z.number().int().min(0) }).strict().optional(),
      })
      .strict(),
    z.object({ frames: z.array(frameSchema), total: z.number() }),
  ),
  'frames.get': call(z.object({ id: idSchema }).strict(), frameSchema),
  /** Hides the frames at once; they stay restorable until `frames.purge` or the next delete. */
  'frames.delete': call(z.object({ ids: frameIdsSchema }).strict(), z.object({ deleted: z.number() })),
  'frames.restore': call(z.object({ ids: frameIdsSchema }).strict(), z.object({ restored: z.number() })),
  'frames.purge': call(empty, z.object({ purged: z.number() })),
  'frames.move': call(z.object({ ids: frameIdsSchema, toBatchId: idSchema }).strict(), z.object({ moved: z.number() })),
  'jobs.list': call(empty, z.array(jobSchema)),
  'jobs.stats': call(empty, queueStatsSchema),
  'jobs.cancel': call(z.object({ id: idSchema }).strict(), jobSchema),
  'jobs.retry': call(z.object({ id: idSchema }).strict(), jobSchema),
  'jobs.discard': call(z.object({ id: idSchema }).strict(), z.object({ id: idSchema })),
} as const;

export type Calls = typeof calls;
export type CallName = keyof Calls;
export type CallInput<C extends CallName> = z.input<Calls[C]['input']>;
export type CallOutput<C extends CallName> = z.output<Calls[C]['output']>;
export const callNames = Object.keys(calls) as CallName[];

export const events = {
  /** Something in the library changed; views re-read what they show. */
  'library.changed': z.object({
    entity: z.enum(['project', 'batch', 'video', 'frame']),
    projectId: idSchema.nullable(),
    batchId: idSchema.nullable(),
  }),
  'job.updated': jobSchema,
  'queue.stats': queueStatsSchema,
  'export.progress': exportProgressSchema,
  ...datasetEvents,
  ...monitoringEvents,
  ...syncEvents,
  ...teamEvents,
  ...sharingEvents,
} as const;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]>;
export const eventNames = Object.keys(events) as EventName[];

export type CallResult<T> = { ok: true; value: T } | { ok: false; error: z.infer<typeof appErrorSchema> };
