import { availableParallelism } from 'node:os';
import type { Job } from '../../shared/domain';
import { StillframeError, toAppError } from '../../shared/errors';
import type { Database } from '../library/database';
import {
  claimNextJob,
  getJob,
  listJobs,
  markJobCancelled,
  markJobFailed,
  nextRetryAt,
  queueStats,
  returnInterruptedJobs,
  setJobNotice,
  setJobProgress,
} from '../library/jobs';
import type { EventBus } from '../events';

/**
 * Does one job's work; rejects to fail the attempt. Must stop promptly when `signal` aborts. `onNotice` says why the
 * job is not moving (a rate limit being waited out); the next progress clears it. `onSlotFree` says the heavy part
 * (FFmpeg) is over, so the queue can start the next job while this one moves its frames into place and commits.
 */
export type JobWorker = (
  job: Job,
  signal: AbortSignal,
  onProgress: (fraction: number) => void,
  onNotice: (notice: string) => void,
  onSlotFree: () => void,
) => Promise<void>;
/** Removes whatever a job left half done (temp files, frames not yet committed). */
export type JobCleanup = (job: Job) => void;

export interface QueueOptions {
  concurrency?: number;
  retryBaseMs?: number;
  /** Minimum time between progress writes and events per job. */
  progressIntervalMs?: number;
  /** Told once per attempt that ended (done, failed, dead or cancelled), with the job as it is now: the metrics. */
  onAttemptEnded?: (job: Job, startedAt: number) => void;
}

export function defaultConcurrency(): number {
  return Math.max(1, Math.min(5, availableParallelism() - 1));
}

const terminal = new Set(['done', 'dead', 'cancelled']);

/**
 * The persistent processing queue. State lives in SQLite (see library/jobs.ts); this class only decides what runs
 * now, keeps `concurrency` extractions going whenever there is work, and turns cancels into aborted FFmpeg processes.
 */
export class ProcessingQueue {
  readonly concurrency: number;
  private readonly retryBaseMs: number;
  private readonly progressIntervalMs: number;
  private readonly onAttemptEnded: (job: Job, startedAt: number) => void;
  private readonly running = new Map<string, AbortController>();
  /**
   * The running jobs that hold one of the `concurrency` slots: all but those past their extraction, still committing.
   * A slot is given back as FFmpeg ends, not when the commit does, so the next FFmpeg starts without waiting for it.
   */
  private readonly slots = new Set<string>();
  private readonly settled = new Set<() => void>();
  private retryTimer: NodeJS.Timeout | null = null;
  /** How many callers are in waitFor: while any is, a pending retry must keep the process alive. */
  private waiters = 0;
  /**
   * Why the queue could not record its own progress (the disk holding the library filled up): waiting callers get
   * it instead of waiting forever for a job that cannot move. The next wake() tries again.
   */
  private fault: unknown = null;
  private started = false;
  private stopping = false;
  private workerSeq = 0;

  constructor(
    private readonly db: Database,
    private readonly events: EventBus,
    private readonly worker: JobWorker,
    private readonly cleanup: JobCleanup,
    options: QueueOptions = {},
  ) {
    this.concurrency = options.concurrency ?? defaultConcurrency();
    this.retryBaseMs = options.retryBaseMs ?? 2_000;
    this.progressIntervalMs = options.progressIntervalMs ?? 200;
    this.onAttemptEnded = options.onAttemptEnded ?? (() => undefined);
  }

  /** The ids of the jobs whose workers are running in this process now. */
  runningIds(): string[] {
    return [...this.running.keys()];
  }

  /** Recovers what a crash interrupted, then starts working. */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const job of returnInterruptedJobs(this.db)) {
      this.cleanup(job);
      this.publish(job.id);
    }
    this.pump();
  }

  /** Call after enqueuing jobs. */
  wake(): void {
    this.fault = null;
    if (this.started) this.pump();
  }

  cancel(id: string): Job {
    const job = markJobCancelled(this.db, id);
    this.running.get(id)?.abort(new StillframeError('cancelled', 'Extraction was cancelled.'));
    this.publish(id);
    return job;
  }

  /** Resolves when every one of `ids` has ended (done, dead or cancelled). */
  async waitFor(ids: readonly string[]): Promise<Job[]> {
    this.waiters++;
    this.retryTimer?.ref();
    // A cancelled job is marked at once but its worker is still cleaning up; it has ended only once that is done.
    const ended = (job: Job) => terminal.has(job.status) && !this.running.has(job.id);
    // Jobs end mostly in the order they were queued, so each wake-up reads on from the first one that had not ended
    // rather than every job again: re-reading all 50 of a batch at each of its 100 wake-ups cost more than the queue.
    let open = 0;
    try {
      for (;;) {
        if (this.fault !== null) throw this.fault;
        while (open < ids.length && ended(getJob(this.db, ids[open] ?? ''))) open++;
        if (open === ids.length) {
          const jobs = ids.map((id) => getJob(this.db, id));
          if (jobs.every(ended)) return jobs;
          // One was put back in the queue while the others ended: wait for it from the start again.
          open = 0;
          continue;
        }
        await new Promise<void>((resolve) => this.settled.add(resolve));
      }
    } finally {
      this.waiters--;
      if (this.waiters === 0) this.retryTimer?.unref();
    }
  }

  /** Resolves when no job is pending, failed-awaiting-retry or running. */
  async waitUntilIdle(): Promise<void> {
    for (;;) {
      const open = listJobs(this.db).filter((job) => !terminal.has(job.status));
      if (open.length === 0) return;
      await this.waitFor(open.map((job) => job.id));
    }
  }

  /** Stops taking work and kills running FFmpeg processes; their jobs return to pending on the next start. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const shutdown = new StillframeError('cancelled', 'Stillframe is shutting down.');
    for (const controller of this.running.values()) controller.abort(shutdown);
    while (this.running.size > 0) await new Promise<void>((resolve) => this.settled.add(resolve));
  }

  private pump(): void {
    if (this.stopping || this.fault !== null) return;
    try {
      while (this.slots.size < this.concurrency) {
        const job = claimNextJob(this.db, `worker-${process.pid}-${++this.workerSeq}`, Date.now());
        if (!job) break;
        void this.run(job);
      }
      this.scheduleRetry();
    } catch (error) {
      this.halt(error);
    }
  }

  private halt(error: unknown): void {
    this.fault = error;
    for (const resolve of this.settled) resolve();
    this.settled.clear();
  }

  private scheduleRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const at = nextRetryAt(this.db);
    if (at === null || this.stopping) return;
    this.retryTimer = setTimeout(() => this.pump(), Math.max(0, at - Date.now()));
    // A backoff alone must not keep an idle app or `serve` from exiting; someone waiting for the job (the CLI's
    // ingest and jobs run) must be kept alive until it ends, or the process exits with the wait unsettled.
    if (this.waiters === 0) this.retryTimer.unref();
  }

  private async run(job: Job): Promise<void> {
    const controller = new AbortController();
    this.running.set(job.id, controller);
    this.slots.add(job.id);
    const freeSlot = () => {
      if (this.slots.delete(job.id)) this.pump();
    };
    this.publish(job.id);
    let lastReport = 0;
    let noticeShown = false;
    const onProgress = (fraction: number) => {
      const now = Date.now();
      // The first progress after a notice is never throttled away: the warning must not outlive the wait.
      if (!noticeShown && now - lastReport < this.progressIntervalMs && fraction < 1) return;
      lastReport = now;
      noticeShown = false;
      setJobProgress(this.db, job.id, fraction);
      this.publish(job.id);
    };
    const onNotice = (notice: string) => {
      noticeShown = true;
      setJobNotice(this.db, job.id, notice);
      this.publish(job.id);
    };
    try {
      await this.worker(job, controller.signal, onProgress, onNotice, freeSlot);
    } catch (error) {
      this.cleanup(job);
      if (!controller.signal.aborted) {
        try {
          markJobFailed(this.db, job, toAppError(error), this.retryBaseMs);
        } catch (recordError) {
          this.halt(recordError);
        }
      }
    } finally {
      this.running.delete(job.id);
      // The next job first: what follows only records and announces this one.
      this.slots.delete(job.id);
      this.pump();
      this.reportEnded(job);
      this.publish(job.id);
      for (const resolve of this.settled) resolve();
      this.settled.clear();
    }
  }

  /** A shutdown returns the job to pending next start: that attempt did not end, so it is not reported. */
  private reportEnded(claimed: Job): void {
    try {
      const job = getJob(this.db, claimed.id);
      if (job.status === 'processing' || job.status === 'pending') return;
      this.onAttemptEnded(job, claimed.startedAt ?? Date.now());
    } catch (error) {
      if (!(error instanceof StillframeError && error.code === 'not-found')) console.error('Recording a job’s metrics failed', error);
    }
  }

  private publish(id: string): void {
    let job: Job;
    try {
      job = getJob(this.db, id);
    } catch {
      return;
    }
    this.events.emit('job.updated', job);
    this.events.emit('queue.stats', queueStats(this.db, this.concurrency));
    this.events.emit('library.changed', { entity: 'video', projectId: job.projectId, batchId: job.batchId });
  }
}
