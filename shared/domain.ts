import { z } from 'zod';
import { appErrorSchema } from './error-schema';
import { selectionSchema } from './frame-selection';
import { samplingSchema } from './sampling';
import { teamVideoStateSchema } from './worker-contract';

export const idSchema = z.string().min(1).max(64);

export const projectSchema = z.object({
  id: idSchema,
  name: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
  batchCount: z.number(),
  videoCount: z.number(),
  frameCount: z.number(),
  /** Live frames with at least one shape. */
  annotatedFrameCount: z.number(),
  coverThumbPath: z.string().nullable(),
});
export type Project = z.infer<typeof projectSchema>;

export const videoStatusSchema = z.enum(['pending', 'processing', 'done', 'failed', 'cancelled']);
export type VideoStatus = z.infer<typeof videoStatusSchema>;

export const batchSchema = z.object({
  id: idSchema,
  projectId: idSchema,
  name: z.string(),
  slug: z.string(),
  createdAt: z.number(),
  videoCount: z.number(),
  frameCount: z.number(),
  /** Mean progress of the batch's videos that are still pending or processing; null when none is. */
  progress: z.number().nullable(),
  activeCount: z.number(),
  failedCount: z.number(),
});
export type Batch = z.infer<typeof batchSchema>;

export const videoSchema = z.object({
  id: idSchema,
  projectId: idSchema,
  batchId: idSchema,
  name: z.string(),
  sourceType: z.enum(['file', 'loom']),
  sourcePath: z.string(),
  sizeBytes: z.number(),
  contentHash: z.string(),
  status: videoStatusSchema,
  error: appErrorSchema.nullable(),
  progress: z.number(),
  /** Its extraction job's notice (see jobSchema): why it is not moving right now. */
  notice: z.string().nullable(),
  /** Set while its job waits out the backoff after a failed attempt: the attempt coming next, of how many. */
  retry: z.object({ attempt: z.number(), of: z.number() }).nullable(),
  durationMs: z.number().nullable(),
  width: z.number().nullable(),
  height: z.number().nullable(),
  frameRate: z.number().nullable(),
  codec: z.string().nullable(),
  rotation: z.number().nullable(),
  frameCount: z.number(),
  jobId: idSchema.nullable(),
  createdAt: z.number(),
  /** Set while the video's upload or job is with the team's workers ("Process on team workers"). */
  team: teamVideoStateSchema.nullable().optional(),
});
export type Video = z.infer<typeof videoSchema>;

export const frameSchema = z.object({
  id: idSchema,
  videoId: idSchema,
  videoName: z.string(),
  batchId: idSchema,
  index: z.number(),
  timestampMs: z.number(),
  width: z.number(),
  height: z.number(),
  /** Relative to the library folder, with forward slashes: what the media protocol serves. */
  path: z.string(),
  thumbPath: z.string(),
});
export type Frame = z.infer<typeof frameSchema>;

export const jobStatusSchema = z.enum(['pending', 'processing', 'done', 'failed', 'dead', 'cancelled']);
export type JobStatus = z.infer<typeof jobStatusSchema>;

export const jobSchema = z.object({
  id: idSchema,
  videoId: idSchema,
  videoName: z.string(),
  batchId: idSchema,
  projectId: idSchema,
  status: jobStatusSchema,
  priority: z.number(),
  attempts: z.number(),
  maxAttempts: z.number(),
  nextRunAt: z.number().nullable(),
  progress: z.number(),
  workerId: z.string().nullable(),
  startedAt: z.number().nullable(),
  completedAt: z.number().nullable(),
  error: appErrorSchema.nullable(),
  /** Why a running job is not moving, for the person (Loom's rate limit being waited out); null once it moves again. */
  notice: z.string().nullable(),
  sampling: samplingSchema,
  maxFrames: z.number().nullable(),
  selection: selectionSchema.nullable(),
  createdAt: z.number(),
});
export type Job = z.infer<typeof jobSchema>;

export const queueStatsSchema = z.object({
  pending: z.number(),
  running: z.number(),
  failed: z.number(),
  dead: z.number(),
  done: z.number(),
  averageProcessingMs: z.number().nullable(),
  /** Share of finished jobs (done or dead) that ended dead. */
  errorRate: z.number().nullable(),
  concurrency: z.number(),
});
export type QueueStats = z.infer<typeof queueStatsSchema>;
