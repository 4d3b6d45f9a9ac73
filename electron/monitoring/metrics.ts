import type { Job } from '../../shared/domain';
import type { ChartRange, SeriesPoint, Stats } from '../../shared/monitoring-contract';
import type { Database, Row } from '../library/database';

/** Metrics older than this are dropped: enough for the week chart and a month of `stats --since`. */
export const retentionMs = 30 * 86_400_000;

/** Nearest-rank percentile of unsorted values; null for none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? null;
}

/** One attempt that ended, with the video's probe and what it wrote. */
export function recordJobAttempt(db: Database, job: Job, startedAt: number): void {
  const video = db
    .prepare('SELECT duration_ms, size_bytes, width, height, codec FROM videos WHERE id = ?')
    .get(job.videoId) as Row | undefined;
  const frames = job.status === 'done'
    ? Number((db.prepare('SELECT COUNT(*) AS n FROM frames WHERE video_id = ? AND deleted_at IS NULL').get(job.videoId) as Row).n)
    : 0;
  const endedAt = job.completedAt ?? Date.now();
  const processingMs = Math.max(0, endedAt - startedAt);
  const result = job.status === 'done' || job.status === 'dead' || job.status === 'cancelled' ? job.status : 'failed';
  db.prepare(
    `INSERT INTO metric_jobs (job_id, attempt, ended_at, queue_wait_ms, processing_ms, video_duration_ms, video_bytes, width,
       height, codec, sampling_mode, frames, frames_per_second, result, error_code)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    job.id,
    job.attempts,
    endedAt,
    // Only the first attempt waited in the queue; a retry's wait is its backoff, which says nothing about the queue.
    job.attempts <= 1 ? Math.max(0, startedAt - job.createdAt) : null,
    processingMs,
    (video?.duration_ms as number | null) ?? null,
    (video?.size_bytes as number | null) ?? null,
    (video?.width as number | null) ?? null,
    (video?.height as number | null) ?? null,
    (video?.codec as string | null) ?? null,
    job.sampling.mode,
    frames,
    result === 'done' && processingMs > 0 ? frames / (processingMs / 1000) : null,
    result,
    result === 'done' ? null : (job.error?.code ?? null),
  );
}

/** Loom's ids and signed file names in a path become `:id`, so requests group by endpoint. */
export function loomEndpoint(method: string, url: string): string {
  const parsed = URL.parse(url);
  const pathName = (parsed?.pathname ?? '/').replace(/[0-9a-f]{32}/g, ':id');
  return `${method.toUpperCase()} ${pathName}`;
}

/** status 0 stands for a request that got no answer (network error). */
export function recordLoomRequest(db: Database, endpoint: string, responseMs: number, status: number, at = Date.now()): void {
  db.prepare('INSERT INTO metric_loom_requests (at, endpoint, response_ms, status) VALUES (?, ?, ?, ?)').run(
    at,
    endpoint,
    Math.round(responseMs),
    status,
  );
}

export function recordDownload(db: Database, bytes: number, ms: number, at = Date.now()): void {
  db.prepare('INSERT INTO metric_downloads (at, bytes, ms, bytes_per_second) VALUES (?, ?, ?, ?)').run(
    at,
    bytes,
    Math.round(ms),
    ms > 0 ? bytes / (ms / 1000) : null,
  );
}

export interface ResourceSample {
  at: number;
  cpuPercent: number | null;
  memoryBytes: number | null;
  ffmpegCpuPercent: number | null;
  diskFreeBytes: number | null;
  queueLength: number;
}

export function recordSample(db: Database, sample: ResourceSample): void {
  db.prepare(
    `INSERT OR REPLACE INTO metric_samples (at, cpu_percent, memory_bytes, ffmpeg_cpu_percent, disk_free_bytes, queue_length)
     VALUES (?, ?, ?, ?, ?, ?)`,
  ).run(sample.at, sample.cpuPercent, sample.memoryBytes, sample.ffmpegCpuPercent, sample.diskFreeBytes, sample.queueLength);
}

export function lastSample(db: Database): Row | null {
  return (db.prepare('SELECT * FROM metric_samples ORDER BY at DESC LIMIT 1').get() as Row | undefined) ?? null;
}

export function pruneMetrics(db: Database, now = Date.now()): void {
  const cutoff = now - retentionMs;
  db.prepare('DELETE FROM metric_jobs WHERE ended_at < ?').run(cutoff);
  db.prepare('DELETE FROM metric_loom_requests WHERE at < ?').run(cutoff);
  db.prepare('DELETE FROM metric_downloads WHERE at < ?').run(cutoff);
  db.prepare('DELETE FROM metric_samples WHERE at < ?').run(cutoff);
  db.prepare('DELETE FROM alerts WHERE cleared_at IS NOT NULL AND cleared_at < ?').run(cutoff);
}

/** A Loom answer that says Loom, not the video, is the trouble: no answer, a rate limit, a server error. */
export const loomTroubleSql = '(status = 0 OR status = 429 OR status >= 500)';

export function queueLength(db: Database): { pending: number; processing: number; total: number } {
  const row = db
    .prepare(
      `SELECT SUM(status = 'pending') AS pending, SUM(status = 'processing') AS processing,
              SUM(status IN ('pending', 'processing', 'failed')) AS total FROM jobs`,
    )
    .get() as Row;
  return { pending: Number(row.pending ?? 0), processing: Number(row.processing ?? 0), total: Number(row.total ?? 0) };
}

export function computeStats(
  db: Database,
  options: { sinceMs: number; now: number; diskFreeBytes: number | null; queueRemainingMs: number | null },
): Stats {
  const from = options.now - options.sinceMs;
  const attempts = db.prepare('SELECT result, processing_ms, frames FROM metric_jobs WHERE ended_at >= ?').all(from);
  const count = (result: string) => attempts.filter((row) => row.result === result).length;
  const done = attempts.filter((row) => row.result === 'done');
  const finished = done.length + count('failed') + count('dead');
  const processing = done.map((row) => Number(row.processing_ms));
  const totalMs = processing.reduce((sum, ms) => sum + ms, 0);
  const totalFrames = done.reduce((sum, row) => sum + Number(row.frames), 0);
  const loom = db.prepare('SELECT response_ms, status FROM metric_loom_requests WHERE at >= ?').all(from);
  const downloads = db.prepare('SELECT bytes, ms FROM metric_downloads WHERE at >= ?').all(from);
  const downloadBytes = downloads.reduce((sum, row) => sum + Number(row.bytes), 0);
  const downloadMs = downloads.reduce((sum, row) => sum + Number(row.ms), 0);
  const queue = queueLength(db);
  return {
    since_ms: options.sinceMs,
    jobs: { done: done.length, failed: count('failed'), dead: count('dead'), pending: queue.pending, processing: queue.processing },
    error_rate: finished === 0 ? null : (count('failed') + count('dead')) / finished,
    processing_ms: { p50: percentile(processing, 50), p95: percentile(processing, 95) },
    frames_per_second: totalMs > 0 ? totalFrames / (totalMs / 1000) : null,
    queue_length: queue.total,
    queue_remaining_ms: options.queueRemainingMs,
    disk: { free_bytes: options.diskFreeBytes },
    loom: {
      requests: loom.length,
      errors: loom.filter((row) => Number(row.status) === 0 || Number(row.status) >= 400).length,
      p95_ms: percentile(loom.map((row) => Number(row.response_ms)), 95),
    },
    downloads: { count: downloads.length, bytes: downloadBytes, bytes_per_second: downloadMs > 0 ? downloadBytes / (downloadMs / 1000) : null },
  };
}

/** Bucket widths: about 360, 288 and 336 buckets, fine enough that a run of short videos shows as separate points. */
export const rangeSpec: Record<ChartRange, { spanMs: number; bucketMs: number }> = {
  hour: { spanMs: 3_600_000, bucketMs: 10_000 },
  day: { spanMs: 86_400_000, bucketMs: 300_000 },
  week: { spanMs: 7 * 86_400_000, bucketMs: 1_800_000 },
};

type Bucketed = Map<number, Row[]>;

function bucket(rows: Row[], at: string, bucketMs: number): Bucketed {
  const buckets: Bucketed = new Map();
  for (const row of rows) {
    const t = Math.floor(Number(row[at]) / bucketMs) * bucketMs;
    const list = buckets.get(t) ?? [];
    list.push(row);
    buckets.set(t, list);
  }
  return buckets;
}

const mean = (values: number[]) => (values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length);

/** The charts' points: only buckets where something happened, oldest first. */
export function computeSeries(db: Database, range: ChartRange, now: number): SeriesPoint[] {
  const { spanMs, bucketMs } = rangeSpec[range];
  const from = now - spanMs;
  const jobs = bucket(db.prepare('SELECT * FROM metric_jobs WHERE ended_at >= ?').all(from), 'ended_at', bucketMs);
  const samples = bucket(db.prepare('SELECT * FROM metric_samples WHERE at >= ?').all(from), 'at', bucketMs);
  const loom = bucket(db.prepare('SELECT at, response_ms FROM metric_loom_requests WHERE at >= ?').all(from), 'at', bucketMs);
  const downloads = bucket(db.prepare('SELECT at, bytes, ms FROM metric_downloads WHERE at >= ?').all(from), 'at', bucketMs);
  const times = [...new Set([...jobs.keys(), ...samples.keys(), ...loom.keys(), ...downloads.keys()])].sort((a, b) => a - b);
  return times.map((t) => {
    const attempts = jobs.get(t) ?? [];
    const done = attempts.filter((row) => row.result === 'done');
    const perMinute = done
      .filter((row) => Number(row.video_duration_ms) > 0)
      .map((row) => Number(row.processing_ms) / (Number(row.video_duration_ms) / 60_000));
    const finished = attempts.filter((row) => row.result !== 'cancelled');
    const bucketSamples = samples.get(t) ?? [];
    const values = (column: string) =>
      bucketSamples.map((row) => row[column]).filter((value): value is number => typeof value === 'number');
    const bucketDownloads = downloads.get(t) ?? [];
    const downloadMs = bucketDownloads.reduce((sum, row) => sum + Number(row.ms), 0);
    return {
      t,
      processingP50: percentile(perMinute, 50),
      processingP95: percentile(perMinute, 95),
      videosDone: attempts.length === 0 ? null : done.length,
      errorRate: finished.length === 0 ? null : (finished.length - done.length) / finished.length,
      queueLength: mean(values('queue_length')),
      cpuPercent: mean(values('cpu_percent')),
      memoryBytes: mean(values('memory_bytes')),
      ffmpegCpuPercent: mean(values('ffmpeg_cpu_percent')),
      diskFreeBytes: mean(values('disk_free_bytes')),
      loomP95Ms: percentile((loom.get(t) ?? []).map((row) => Number(row.response_ms)), 95),
      downloadBytesPerSecond:
        downloadMs > 0 ? bucketDownloads.reduce((sum, row) => sum + Number(row.bytes), 0) / (downloadMs / 1000) : null,
    };
  });
}
