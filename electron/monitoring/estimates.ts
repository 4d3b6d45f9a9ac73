import type { Job } from '../../shared/domain';
import type { Estimate } from '../../shared/monitoring-contract';
import type { Sampling } from '../../shared/sampling';
import type { StatementSync } from 'node:sqlite';
import type { Database, Row } from '../library/database';
import { listOpenJobs } from '../library/jobs';
import { percentile } from './metrics';

/** What is known about a video before it is processed: always its size, its probe once ingest has read it. */
export interface VideoTraits {
  sizeBytes: number;
  durationMs?: number | null;
  width?: number | null;
  height?: number | null;
  codec?: string | null;
}

interface Rate {
  /** Median processing ms per ms of video, and per byte, over the matching history. */
  perVideoMs: number | null;
  perByte: number | null;
  count: number;
  basis: string;
}

const pixels = (traits: VideoTraits) => (traits.width ?? 0) * (traits.height ?? 0);

/**
 * The library's own rate for videos like this one: done jobs with the same sampling mode, codec and a resolution
 * within a factor of two; failing that, the same sampling mode; failing that, every done job.
 */
function historyRate(rows: readonly Row[], traits: VideoTraits, sampling: Sampling): Rate | null {
  const size = pixels(traits);
  const similar = (row: Row) => {
    const rowPixels = Number(row.width ?? 0) * Number(row.height ?? 0);
    return (
      row.sampling_mode === sampling.mode &&
      (traits.codec == null || row.codec === traits.codec) &&
      (size === 0 || (rowPixels > 0 && rowPixels / size <= 2 && size / rowPixels <= 2))
    );
  };
  const tiers: [readonly Row[], string][] = [
    [rows.filter(similar), 'similar videos (same codec, resolution and sampling)'],
    [rows.filter((row) => row.sampling_mode === sampling.mode), 'videos with the same sampling'],
    [rows, 'videos'],
  ];
  for (const [matching, what] of tiers) {
    if (matching.length === 0) continue;
    const perVideoMs = percentile(
      matching.filter((row) => Number(row.video_duration_ms) > 0).map((row) => Number(row.processing_ms) / Number(row.video_duration_ms)),
      50,
    );
    const perByte = percentile(
      matching.filter((row) => Number(row.video_bytes) > 0).map((row) => Number(row.processing_ms) / Number(row.video_bytes)),
      50,
    );
    return { perVideoMs, perByte, count: matching.length, basis: `${matching.length} ${what}` };
  }
  return null;
}

/** The last 500 videos done: read once per estimate, however many videos it covers. */
function loadHistory(db: Database): Row[] {
  return db
    .prepare(
      `SELECT processing_ms, video_duration_ms, video_bytes, width, height, codec, sampling_mode FROM metric_jobs
       WHERE result = 'done' ORDER BY ended_at DESC LIMIT 500`,
    )
    .all();
}

type RateOf = (traits: VideoTraits, sampling: Sampling) => Rate | null;

/**
 * The history's rate for each kind of video, worked out once per estimate: a batch of 50 alike clips asked for the
 * same filters and medians over the history 50 times at every judgement of the alerts (each job start and end).
 */
function historyRates(history: readonly Row[]): RateOf {
  const known = new Map<string, Rate | null>();
  return (traits, sampling) => {
    const key = JSON.stringify([sampling.mode, traits.codec ?? null, pixels(traits)]);
    if (!known.has(key)) known.set(key, historyRate(history, traits, sampling));
    return known.get(key) ?? null;
  };
}

/** Processing time for one video from the history; by its duration when known, else by its size. */
function estimateOne(rateOf: RateOf, traits: VideoTraits, sampling: Sampling): { ms: number; basis: string } | null {
  const rate = rateOf(traits, sampling);
  if (!rate) return null;
  if (traits.durationMs && rate.perVideoMs !== null) return { ms: rate.perVideoMs * traits.durationMs, basis: rate.basis };
  if (rate.perByte !== null) return { ms: rate.perByte * traits.sizeBytes, basis: rate.basis };
  return null;
}

export function estimateImport(db: Database, videos: readonly VideoTraits[], sampling: Sampling, concurrency: number): Estimate {
  const rateOf = historyRates(loadHistory(db));
  let total = 0;
  let basis = '';
  for (const video of videos) {
    const one = estimateOne(rateOf, video, sampling);
    if (!one) return { ms: null, basis: 'This library has not finished any video yet to estimate from.' };
    total += one.ms;
    basis = one.basis;
  }
  return {
    ms: Math.round(total / Math.max(1, Math.min(concurrency, videos.length))),
    basis: `From ${basis} this library has processed.`,
  };
}

/** A running job's remaining time from its own measured rate once it has moved; before that, from the history. */
function jobRemainingMs(traitsOf: StatementSync, rateOf: RateOf, job: Job, now: number): number | null {
  if (job.status === 'processing' && job.startedAt !== null && job.progress > 0.02) {
    const elapsed = now - job.startedAt;
    return Math.round((elapsed / job.progress) * (1 - job.progress));
  }
  const video = traitsOf.get(job.videoId) as Row | undefined;
  if (!video) return null;
  const one = estimateOne(
    rateOf,
    {
      sizeBytes: Number(video.size_bytes),
      durationMs: video.duration_ms == null ? null : Number(video.duration_ms),
      width: video.width == null ? null : Number(video.width),
      height: video.height == null ? null : Number(video.height),
      codec: video.codec == null ? null : String(video.codec),
    },
    job.sampling,
  );
  if (!one) return null;
  const elapsed = job.status === 'processing' && job.startedAt !== null ? now - job.startedAt : 0;
  return Math.max(0, Math.round(one.ms - elapsed));
}

/** Every unfinished job's remaining time, and the queue's: the work shared out over the concurrent workers. */
export function queueRemaining(db: Database, concurrency: number, now: number): { jobs: { jobId: string; ms: number | null }[]; queueMs: number | null } {
  const open = listOpenJobs(db);
  const rateOf = historyRates(loadHistory(db));
  // Prepared once for all the jobs: the alerts judge this at every job start and end, and compiling the query per
  // job made a batch of 50 clips cost the app a quadratic number of compiles.
  const traitsOf = db.prepare('SELECT size_bytes, duration_ms, width, height, codec FROM videos WHERE id = ?');
  const jobs = open.map((job) => ({ jobId: job.id, ms: jobRemainingMs(traitsOf, rateOf, job, now) }));
  if (jobs.length === 0) return { jobs, queueMs: 0 };
  if (jobs.some((job) => job.ms === null)) return { jobs, queueMs: null };
  const total = jobs.reduce((sum, job) => sum + (job.ms ?? 0), 0);
  const longest = Math.max(...jobs.map((job) => job.ms ?? 0));
  // Shared out over the workers, but never less than the longest single job, which one worker must do alone.
  return { jobs, queueMs: Math.round(Math.max(longest, total / Math.max(1, concurrency))) };
}
