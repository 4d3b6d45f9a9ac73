import { z } from 'zod';
import { defineCall } from './define-call';
import { idSchema } from './domain';
import { samplingSchema } from './sampling';

const call = defineCall;
const empty = z.object({}).strict();

/**
 * The figures `stillframe stats --json` prints, exactly as the call answers them: snake_case, because that output
 * is a public interface for scripts and the CLI prints this object unchanged.
 */
export const statsSchema = z.object({
  since_ms: z.number(),
  jobs: z.object({
    /** Attempts that ended in the window, by how they ended. */
    done: z.number(),
    failed: z.number(),
    dead: z.number(),
    /** Jobs waiting or running now. */
    pending: z.number(),
    processing: z.number(),
  }),
  /** Failed and dead attempts over all finished attempts in the window, 0–1; null when none finished. */
  error_rate: z.number().nullable(),
  processing_ms: z.object({ p50: z.number().nullable(), p95: z.number().nullable() }),
  /** Frames written per second of processing, over the window's finished jobs. */
  frames_per_second: z.number().nullable(),
  /** Videos waiting, running or waiting to retry now. */
  queue_length: z.number(),
  /** Time until everything queued is done, from this library's own history; null with nothing to go on. */
  queue_remaining_ms: z.number().nullable(),
  disk: z.object({ free_bytes: z.number().nullable() }),
  loom: z.object({ requests: z.number(), errors: z.number(), p95_ms: z.number().nullable() }),
  downloads: z.object({ count: z.number(), bytes: z.number(), bytes_per_second: z.number().nullable() }),
});
export type Stats = z.infer<typeof statsSchema>;

export const chartRangeSchema = z.enum(['hour', 'day', 'week']);
export type ChartRange = z.infer<typeof chartRangeSchema>;

/** One bucket of time; a figure is null where nothing happened in the bucket. */
export const seriesPointSchema = z.object({
  t: z.number(),
  /** Processing time per minute of video, in ms. */
  processingP50: z.number().nullable(),
  processingP95: z.number().nullable(),
  /** Videos finished in the bucket. */
  videosDone: z.number().nullable(),
  errorRate: z.number().nullable(),
  queueLength: z.number().nullable(),
  cpuPercent: z.number().nullable(),
  memoryBytes: z.number().nullable(),
  ffmpegCpuPercent: z.number().nullable(),
  diskFreeBytes: z.number().nullable(),
  loomP95Ms: z.number().nullable(),
  downloadBytesPerSecond: z.number().nullable(),
});
export type SeriesPoint = z.infer<typeof seriesPointSchema>;

export const seriesSchema = z.object({
  range: chartRangeSchema,
  bucketMs: z.number(),
  points: z.array(seriesPointSchema),
  stats: statsSchema,
  /** The last resource sample, for the numbers beside the charts. */
  current: z.object({
    cpuPercent: z.number().nullable(),
    memoryBytes: z.number().nullable(),
    ffmpegCpuPercent: z.number().nullable(),
  }),
});
export type Series = z.infer<typeof seriesSchema>;

export const alertRuleNames = ['job-failed', 'job-dead', 'backlog', 'disk-low', 'loom'] as const;
export const alertRuleSchema = z.enum(alertRuleNames);
export type AlertRule = z.infer<typeof alertRuleSchema>;

export const alertRulesSchema = z
  .object({
    jobFailed: z.object({ enabled: z.boolean() }).strict(),
    jobDead: z.object({ enabled: z.boolean() }).strict(),
    backlog: z
      .object({
        enabled: z.boolean(),
        maxVideos: z.number().int().min(1).max(1_000_000),
        maxMinutes: z.number().min(1).max(100_000),
      })
      .strict(),
    diskLow: z.object({ enabled: z.boolean(), minFreeGb: z.number().min(0).max(1_000_000) }).strict(),
    loom: z.object({ enabled: z.boolean() }).strict(),
  })
  .strict();
export type AlertRules = z.infer<typeof alertRulesSchema>;

export const alertSchema = z.object({
  id: idSchema,
  rule: alertRuleSchema,
  raisedAt: z.number(),
  /** Null while the condition lasts; set when it ended by itself. */
  clearedAt: z.number().nullable(),
  /** What happened, in the person's words. */
  message: z.string(),
  /** What to do about it. */
  advice: z.string(),
});
export type Alert = z.infer<typeof alertSchema>;

export const alertsSchema = z.object({ active: z.array(alertSchema), recent: z.array(alertSchema) });

export const estimateSchema = z.object({
  /** Null when this library has finished nothing yet to estimate from. */
  ms: z.number().nullable(),
  /** How the estimate was made, for the person. */
  basis: z.string(),
});
export type Estimate = z.infer<typeof estimateSchema>;

export const storageBatchSchema = z.object({
  id: idSchema,
  name: z.string(),
  bytes: z.number(),
  frames: z.number(),
  frameBytes: z.number(),
  thumbnailBytes: z.number(),
  sourceBytes: z.number(),
});
export const storageProjectSchema = z.object({
  id: idSchema,
  name: z.string(),
  bytes: z.number(),
  batches: z.array(storageBatchSchema),
});
export const storageUsageSchema = z.object({
  projects: z.array(storageProjectSchema),
  tmpBytes: z.number(),
  databaseBytes: z.number(),
  totalBytes: z.number(),
});
export type StorageUsage = z.infer<typeof storageUsageSchema>;

export const cleanupKindSchema = z.enum(['empty-batch', 'orphan-file', 'missing-file', 'extracted-upload']);
export const cleanupItemSchema = z.object({
  /** Stable for the same thing between listing and removing, so only what the person saw is removed. */
  id: z.string(),
  kind: cleanupKindSchema,
  description: z.string(),
  bytes: z.number(),
});
export type CleanupItem = z.infer<typeof cleanupItemSchema>;

export const monitoringCalls = {
  'monitoring.stats': call(z.object({ sinceMs: z.number().int().min(1).max(365 * 86_400_000).optional() }).strict(), statsSchema),
  'monitoring.series': call(z.object({ range: chartRangeSchema }).strict(), seriesSchema),
  'monitoring.alerts': call(empty, alertsSchema),
  'monitoring.rules': call(empty, alertRulesSchema),
  'monitoring.setRules': call(alertRulesSchema, alertRulesSchema),
  /** Time a new import will take, before it starts, from this library's history of similar videos. */
  'monitoring.estimate': call(
    z
      .object({
        /** What the page knows of each video (a picked file's size); a path is measured by the host. */
        videos: z
          .array(
            z
              .object({
                sizeBytes: z.number().int().min(0),
                durationMs: z.number().min(0).optional(),
                width: z.number().int().min(1).optional(),
                height: z.number().int().min(1).optional(),
                codec: z.string().max(100).optional(),
              })
              .strict(),
          )
          .max(10_000)
          .default([]),
        paths: z.array(z.string().min(1).max(4096)).max(10_000).default([]),
        sampling: samplingSchema,
      })
      .strict()
      .refine((input) => input.videos.length + input.paths.length > 0, { message: 'Give at least one video.' }),
    estimateSchema,
  ),
  /** Time remaining per running job, from its measured rate, and for the whole queue. */
  'monitoring.remaining': call(
    empty,
    z.object({ jobs: z.array(z.object({ jobId: idSchema, ms: z.number().nullable() })), queueMs: z.number().nullable() }),
  ),
  'storage.usage': call(empty, storageUsageSchema),
  /** One project's share, for its header: cheaper than the whole library's usage. */
  'storage.project': call(z.object({ projectId: idSchema }).strict(), storageProjectSchema),
  'storage.cleanupPlan': call(empty, z.object({ items: z.array(cleanupItemSchema) })),
  /** Removes the listed items that are still safe to remove; anything that became referenced meanwhile stays. */
  'storage.cleanup': call(
    z.object({ ids: z.array(z.string().max(5000)).max(100_000) }).strict(),
    z.object({ removed: z.array(cleanupItemSchema), freedBytes: z.number() }),
  ),
} as const;

export const monitoringEvents = {
  /** An alert was raised: the hosts show it as a notification. */
  'alert.raised': alertSchema,
  /** The alerts list changed (raised or cleared). */
  'alerts.changed': alertsSchema,
} as const;
