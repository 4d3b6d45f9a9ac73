import type { Job } from '../../shared/domain';
import type { Database, Row } from '../library/database';
import type { LibraryPaths } from '../library/paths';
import type { EventBus } from '../events';
import type { ProcessingQueue } from '../queue/queue';
import { evaluateAlerts, listAlerts, readAlertRules } from './alerts';
import { queueRemaining } from './estimates';
import { loomEndpoint, pruneMetrics, queueLength, recordDownload, recordJobAttempt, recordLoomRequest, recordSample } from './metrics';
import { diskFreeBytes, resourceMeter } from './resources';
import { removeStaleJobTemp } from './storage';

export interface MonitoringOptions {
  /** How often CPU, memory and disk are sampled and the alerts judged again (default: a minute). */
  sampleIntervalMs?: number;
  /** How often tmp/ is cleared of ended jobs' leftovers (default: ten minutes). */
  tempSweepIntervalMs?: number;
  /** Stands in for the disk's free space (tests simulate a full disk with it). */
  diskFree?: () => number | null;
}

// A JPEG at FFmpeg's -q:v 3 takes about a quarter of a byte per pixel on screen recordings and camera footage; the
// thumbnail beside it adds a little.
const bytesPerPixel = 0.3;

/** What the queued videos will still write: their downloads, and their frames at the sampling asked for. */
function queuedNeedBytes(db: Database): number {
  const rows = db
    .prepare(
      `SELECT v.source_type, v.size_bytes, v.duration_ms, v.width, v.height, v.frame_rate, j.options FROM jobs j
       JOIN videos v ON v.id = j.video_id WHERE j.status IN ('pending', 'processing', 'failed')`,
    )
    .all();
  let total = 0;
  for (const row of rows) {
    const options = JSON.parse(String(row.options)) as { sampling: { mode: string; seconds?: number; n?: number }; maxFrames?: number };
    const seconds = Number(row.duration_ms ?? 0) / 1000;
    const rate = Number(row.frame_rate ?? 30);
    const sampled =
      options.sampling.mode === 'every'
        ? seconds / (options.sampling.seconds ?? 1)
        : options.sampling.mode === 'nth'
          ? (seconds * rate) / (options.sampling.n ?? 1)
          : seconds / 2;
    const frames = Math.min(options.maxFrames ?? Infinity, Math.ceil(sampled));
    const pixels = Number(row.width ?? 1280) * Number(row.height ?? 720);
    total += frames * pixels * bytesPerPixel + (row.source_type === 'loom' ? Number(row.size_bytes) : 0);
  }
  return total;
}

/**
 * The library's monitoring: records each job's attempt, each Loom request and download, samples the machine every
 * minute, prunes what is older than 30 days, and raises and clears alerts as their conditions start and end.
 */
export function createMonitoring(db: Database, paths: LibraryPaths, events: EventBus, options: MonitoringOptions = {}) {
  let queue: ProcessingQueue | null = null;
  const timers: NodeJS.Timeout[] = [];
  const diskFree = options.diskFree ?? (() => diskFreeBytes(paths.root));
  const concurrency = () => queue?.concurrency ?? 1;

  const evaluate = () => {
    const now = Date.now();
    const { raised, changed } = evaluateAlerts(db, readAlertRules(db), {
      now,
      diskFreeBytes: diskFree(),
      queuedNeedBytes: queuedNeedBytes(db),
      queueRemainingMs: queueRemaining(db, concurrency(), now).queueMs,
      syncError,
    });
    for (const alert of raised) events.emit('alert.raised', alert);
    if (changed) events.emit('alerts.changed', listAlerts(db));
  };
  const safely = (what: string, work: () => void) => {
    try {
      work();
    } catch (error) {
      console.error(`Monitoring could not ${what}`, error);
    }
  };
  /**
   * One judgement for everything a single step of the queue changes: a job ending starts the next, records the
   * attempt and moves the counts twice, which asked for three full judgements (each lists every job) where one sees
   * the same end state. A microtask still runs before anyone awaiting that step (waitFor, a handler) resumes.
   */
  let judging = false;
  const evaluateSoon = () => {
    if (judging) return;
    judging = true;
    queueMicrotask(() => {
      judging = false;
      // The step may have been the last before the library was closed in the same turn.
      if (db.isOpen) safely('judge the alerts', evaluate);
    });
  };

  const meter = resourceMeter();
  const sample = () =>
    safely('sample the machine', () => {
      const reading = meter();
      recordSample(db, { at: Date.now(), ...reading, diskFreeBytes: diskFree(), queueLength: queueLength(db).total });
      pruneMetrics(db);
      evaluate();
    });

  // Sync says when it fails and when it works again; offline is not a failure (edits wait, as they should).
  let syncError: string | null = null;
  events.on('sync.status', (status) => {
    const error = status.state === 'error' ? (status.message ?? 'the server gave no reason') : null;
    if (error === syncError) return;
    syncError = error;
    safely('judge the alerts', evaluate);
  });

  // Retries and discards change what the alerts judge without ending an attempt; queue.stats announces them.
  let lastCounts = '';
  events.on('queue.stats', (stats) => {
    const counts = `${stats.pending}/${stats.running}/${stats.failed}/${stats.dead}`;
    if (counts === lastCounts) return;
    lastCounts = counts;
    evaluateSoon();
  });

  return {
    attach(processingQueue: ProcessingQueue) {
      queue = processingQueue;
    },
    attemptEnded(job: Job, startedAt: number) {
      safely('record a job', () => recordJobAttempt(db, job, startedAt));
      evaluateSoon();
    },
    /** Wraps Loom's fetch so every request's endpoint, time and status is recorded. */
    meteredFetch(inner: typeof fetch = fetch): typeof fetch {
      return async (input, init) => {
        const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
        const endpoint = loomEndpoint(init?.method ?? 'GET', url);
        const started = performance.now();
        try {
          const response = await inner(input, init);
          safely('record a Loom request', () => recordLoomRequest(db, endpoint, performance.now() - started, response.status));
          if (response.status === 429 || response.status >= 500) safely('judge the alerts', evaluate);
          return response;
        } catch (error) {
          safely('record a Loom request', () => recordLoomRequest(db, endpoint, performance.now() - started, 0));
          safely('judge the alerts', evaluate);
          throw error;
        }
      };
    },
    downloaded(bytes: number, ms: number) {
      safely('record a download', () => recordDownload(db, bytes, ms));
    },
    diskFree,
    evaluate: () => safely('judge the alerts', evaluate),
    /** Starts the minute samples and the tmp/ sweep (the app and `serve`; the CLI's one-off commands do not). */
    start() {
      if (timers.length > 0) return;
      sample();
      timers.push(setInterval(sample, options.sampleIntervalMs ?? 60_000));
      timers.push(
        setInterval(
          () => safely('clear tmp/', () => void removeStaleJobTemp(paths, queue?.runningIds() ?? [])),
          options.tempSweepIntervalMs ?? 600_000,
        ),
      );
      for (const timer of timers) timer.unref();
    },
    stop() {
      for (const timer of timers) clearInterval(timer);
      timers.length = 0;
    },
    lastSample(): Row | null {
      return (db.prepare('SELECT * FROM metric_samples ORDER BY at DESC LIMIT 1').get() as Row | undefined) ?? null;
    },
  };
}

export type Monitoring = ReturnType<typeof createMonitoring>;
