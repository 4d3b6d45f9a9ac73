import { z } from 'zod';
import { defineCall } from './define-call';
import { extractionOptionsSchema } from './sampling';

// The wire of the team's processing queue (supabase/migrations/20261201090000_workers.sql), read by workers, the
// desktop and the CLI alike.

/** What claim_job answers for the job it leased to this worker. */
export const claimedJobSchema = z.object({
  job_id: z.string().uuid(),
  video_id: z.string().uuid(),
  project_id: z.string().uuid(),
  batch_id: z.string().uuid(),
  batch_slug: z.string(),
  batch_name: z.string(),
  video_name: z.string(),
  storage_path: z.string().nullable(),
  content_hash: z.string().nullable(),
  size_bytes: z.number().nullable(),
  source_type: z.enum(['direct', 'loom']),
  source_url: z.string().nullable(),
  source_metadata: z.unknown(),
  options: z.record(z.string(), z.unknown()),
  priority: z.number(),
  attempt: z.number().int(),
  max_attempts: z.number().int(),
  lease_seconds: z.number().int(),
});
export type ClaimedJob = z.infer<typeof claimedJobSchema>;

/** A job's options: the desktop's sampling, plus how many attempts it gets on the team's workers. */
export const remoteJobOptionsSchema = extractionOptionsSchema.extend({
  max_attempts: z.number().int().min(1).max(20).optional(),
});
export type RemoteJobOptions = z.infer<typeof remoteJobOptionsSchema>;

export const remoteJobStatusSchema = z.enum(['pending', 'processing', 'failed', 'done', 'dead', 'cancelled']);
export type RemoteJobStatus = z.infer<typeof remoteJobStatusSchema>;

/** A row of processing_jobs as members read it, with its video's name. */
export const remoteJobSchema = z.object({
  id: z.string().uuid(),
  project_id: z.string().uuid(),
  video_id: z.string().uuid(),
  video_name: z.string().nullable(),
  status: remoteJobStatusSchema,
  attempt: z.number().int(),
  max_attempts: z.number().int(),
  processing_progress: z.number(),
  processing_error: z.string().nullable(),
  worker_id: z.string().nullable(),
  source_type: z.enum(['direct', 'loom']),
  started_at: z.string().nullable(),
  completed_at: z.string().nullable(),
  created_at: z.string(),
});
export type RemoteJob = z.infer<typeof remoteJobSchema>;

/** The line a worker logs for each job it ends (one JSON object per line with --json). */
export const workerJobLogSchema = z.object({
  event: z.literal('job'),
  outcome: z.enum(['done', 'failed', 'dead', 'lost', 'handed-back']),
  job_id: z.string(),
  video_id: z.string(),
  project_id: z.string(),
  video_name: z.string(),
  worker_id: z.string(),
  attempt: z.number(),
  max_attempts: z.number(),
  frames: z.number(),
  seconds: z.number(),
  /** Milliseconds from the claim to FFmpeg's start, the queue's own share of the job. */
  claim_to_extract_ms: z.number().nullable(),
  error: z.string().nullable(),
});
export type WorkerJobLog = z.infer<typeof workerJobLogSchema>;

/** What a video row shows while its work is with the team: its upload, or its job on the team's queue. */
export const teamVideoStateSchema = z.object({
  phase: z.enum(['waiting-to-upload', 'uploading', 'upload-failed', 'queued']),
  progress: z.number(),
  sentBytes: z.number().nullable(),
  totalBytes: z.number().nullable(),
  /** Estimated from the upload's pace so far; null until there is one. */
  secondsLeft: z.number().nullable(),
  jobId: z.string().uuid().nullable(),
  jobStatus: remoteJobStatusSchema.nullable(),
  workerId: z.string().nullable(),
  error: z.string().nullable(),
});
export type TeamVideoState = z.infer<typeof teamVideoStateSchema>;

/** Where an import is processed: here (the local queue) or by the team's workers (a synced project only). */
export const processOnSchema = z.enum(['this-computer', 'team-workers']);
export type ProcessOn = z.infer<typeof processOnSchema>;

export const teamCalls = {
  'team.jobs': defineCall(z.object({ projectId: z.string().min(1).max(64).optional() }).strict(), z.array(remoteJobSchema)),
  'team.retry': defineCall(z.object({ jobId: z.string().uuid() }).strict(), z.object({ jobId: z.string().uuid() })),
  'team.discard': defineCall(z.object({ jobId: z.string().uuid() }).strict(), z.object({ jobId: z.string().uuid() })),
} as const;

export const teamEvents = {
  /**
   * An upload moved or a job on the team's queue changed: video rows of this batch re-read. `jobs` says a job changed
   * (the queue's list is read again); an upload's progress, many times a minute, leaves it false.
   */
  'team.updated': z.object({ projectId: z.string(), batchId: z.string().nullable(), jobs: z.boolean() }),
} as const;
