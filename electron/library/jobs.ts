import type { Job, JobStatus, QueueStats } from '../../shared/domain';
import { permanentErrorCodes, StillframeError, type AppErrorData } from '../../shared/errors';
import { uuidv7 } from '../../shared/ids';
import { extractionOptionsSchema, type ExtractionOptions } from '../../shared/sampling';
import { preparedOnce, transaction, type Database, type Row } from './database';
import { parseStoredError, setVideoStatus } from './videos';

const jobColumns = `j.*, v.name AS video_name, v.batch_id, v.project_id`;

/**
 * A job's stored options, validated once per distinct text: every job event and queue step reads jobs again, and a
 * batch of 50 clips validated the same few options thousands of times. The results are frozen, as jobs share them.
 */
const parsedOptions = new Map<string, ExtractionOptions>();
const parsedOptionsKept = 64;

function storedOptions(text: string): ExtractionOptions {
  let options = parsedOptions.get(text);
  if (options === undefined) {
    options = deepFreeze(extractionOptionsSchema.parse(JSON.parse(text)));
    if (parsedOptions.size >= parsedOptionsKept) parsedOptions.delete(parsedOptions.keys().next().value ?? '');
    parsedOptions.set(text, options);
  }
  return options;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

function toJob(row: Row): Job {
  const options = storedOptions(String(row.options));
  return {
    id: String(row.id),
    videoId: String(row.video_id),
    videoName: String(row.video_name),
    batchId: String(row.batch_id),
    projectId: String(row.project_id),
    status: String(row.status) as JobStatus,
    priority: Number(row.priority),
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    nextRunAt: row.next_run_at == null ? null : Number(row.next_run_at),
    progress: Number(row.processing_progress),
    workerId: row.worker_id == null ? null : String(row.worker_id),
    startedAt: row.started_at == null ? null : Number(row.started_at),
    completedAt: row.completed_at == null ? null : Number(row.completed_at),
    error: parseStoredError(row.processing_error),
    notice: row.notice == null ? null : String(row.notice),
    sampling: options.sampling,
    maxFrames: options.maxFrames ?? null,
    selection: options.selection ?? null,
    createdAt: Number(row.created_at),
  };
}

export function jobOptions(job: Job): ExtractionOptions {
  return extractionOptionsSchema.parse({
    sampling: job.sampling,
    maxFrames: job.maxFrames ?? undefined,
    selection: job.selection ?? undefined,
  });
}

export function createJob(
  db: Database,
  videoId: string,
  options: ExtractionOptions,
  settings: { priority?: number; maxAttempts: number },
): string {
  const id = uuidv7();
  const now = Date.now();
  db.prepare(
    `INSERT INTO jobs (id, video_id, status, priority, max_attempts, options, created_at, updated_at)
     VALUES (?, ?, 'pending', ?, ?, ?, ?, ?)`,
  ).run(id, videoId, settings.priority ?? 0, settings.maxAttempts, JSON.stringify(options), now, now);
  return id;
}

export function getJob(db: Database, id: string): Job {
  const row = preparedOnce(db, `SELECT ${jobColumns} FROM jobs j JOIN videos v ON v.id = j.video_id WHERE j.id = ?`).get(id);
  if (!row) throw new StillframeError('not-found', 'That job no longer exists.');
  return toJob(row);
}

export function listJobs(db: Database): Job[] {
  return db
    .prepare(
      `SELECT ${jobColumns} FROM jobs j JOIN videos v ON v.id = j.video_id
       ORDER BY CASE j.status WHEN 'processing' THEN 0 WHEN 'pending' THEN 1 WHEN 'failed' THEN 2 WHEN 'dead' THEN 3 ELSE 4 END,
                j.priority DESC, j.created_at`,
    )
    .all()
    .map(toJob);
}

/** The jobs not yet ended: pending, processing, or failed and waiting for a retry; in the order listJobs gives. */
export function listOpenJobs(db: Database): Job[] {
  return db
    .prepare(
      `SELECT ${jobColumns} FROM jobs j JOIN videos v ON v.id = j.video_id WHERE j.status IN ('processing', 'pending', 'failed')
       ORDER BY CASE j.status WHEN 'processing' THEN 0 WHEN 'pending' THEN 1 ELSE 2 END, j.priority DESC, j.created_at`,
    )
    .all()
    .map(toJob);
}

/** Takes the most urgent runnable job for `workerId`, or null. Failed jobs become runnable when their backoff ends. */
export function claimNextJob(db: Database, workerId: string, now: number): Job | null {
  return transaction(db, () => {
    const row = preparedOnce(
      db,
      `SELECT id, video_id FROM jobs
       WHERE status = 'pending' OR (status = 'failed' AND next_run_at <= ?)
       ORDER BY priority DESC, created_at LIMIT 1`,
    ).get(now);
    if (!row) return null;
    preparedOnce(
      db,
      `UPDATE jobs SET status = 'processing', worker_id = ?, started_at = ?, completed_at = NULL, notice = NULL,
         processing_progress = 0, attempts = attempts + 1, next_run_at = NULL, updated_at = ? WHERE id = ?`,
    ).run(workerId, now, now, String(row.id));
    setVideoStatus(db, String(row.video_id), 'processing', null);
    return getJob(db, String(row.id));
  });
}

/** When the next failed job's backoff ends, so the queue can sleep until then. */
export function nextRetryAt(db: Database): number | null {
  const row = preparedOnce(db, `SELECT MIN(next_run_at) AS at FROM jobs WHERE status = 'failed'`).get() as Row;
  return row.at == null ? null : Number(row.at);
}

/** Progress means the job moves again, so whatever notice said why it did not is cleared. */
export function setJobProgress(db: Database, id: string, fraction: number): void {
  preparedOnce(db, `UPDATE jobs SET processing_progress = ?, notice = NULL, updated_at = ? WHERE id = ? AND status = 'processing'`).run(
    Math.max(0, Math.min(1, fraction)),
    Date.now(),
    id,
  );
}

export function setJobNotice(db: Database, id: string, notice: string): void {
  db.prepare(`UPDATE jobs SET notice = ?, updated_at = ? WHERE id = ? AND status = 'processing'`).run(notice, Date.now(), id);
}

/** Marks the job done; call inside the transaction that inserts its frames. */
export function markJobDone(db: Database, job: Job): void {
  const now = Date.now();
  preparedOnce(
    db,
    `UPDATE jobs SET status = 'done', processing_progress = 1, completed_at = ?, processing_error = NULL, notice = NULL,
       updated_at = ? WHERE id = ?`,
  ).run(now, now, job.id);
  setVideoStatus(db, job.videoId, 'done', null);
}

/**
 * Records a failed attempt: back to the queue after an exponential backoff while attempts remain and the failure is
 * one another attempt could fix, else dead. Returns the new status.
 */
export function markJobFailed(db: Database, job: Job, error: AppErrorData, retryBaseMs: number): JobStatus {
  return transaction(db, () => {
    const current = getJob(db, job.id);
    const now = Date.now();
    const dead = current.attempts >= current.maxAttempts || permanentErrorCodes.has(error.code);
    const status: JobStatus = dead ? 'dead' : 'failed';
    db.prepare(
      `UPDATE jobs SET status = ?, processing_error = ?, completed_at = ?, worker_id = NULL, next_run_at = ?, notice = NULL,
         updated_at = ? WHERE id = ?`,
    ).run(
      status,
      JSON.stringify(error),
      now,
      dead ? null : now + retryBaseMs * 2 ** (current.attempts - 1),
      now,
      job.id,
    );
    setVideoStatus(db, job.videoId, dead ? 'failed' : 'pending', error);
    return status;
  });
}

export function markJobCancelled(db: Database, id: string): Job {
  return transaction(db, () => {
    const job = getJob(db, id);
    if (job.status === 'done' || job.status === 'dead' || job.status === 'cancelled') {
      throw new StillframeError('conflict', `This job has already ended (${job.status}); there is nothing to cancel.`);
    }
    const now = Date.now();
    db.prepare(
      `UPDATE jobs SET status = 'cancelled', worker_id = NULL, completed_at = ?, next_run_at = NULL,
         processing_error = NULL, notice = NULL, updated_at = ? WHERE id = ?`,
    ).run(now, now, id);
    setVideoStatus(db, job.videoId, 'cancelled', null);
    return getJob(db, id);
  });
}

/** Puts a dead, failed or cancelled job back in the queue with a fresh set of attempts. */
export function requeueJob(db: Database, id: string): Job {
  return transaction(db, () => {
    const job = getJob(db, id);
    if (job.status === 'pending' || job.status === 'processing' || job.status === 'done') {
      throw new StillframeError('conflict', `This job is ${job.status}; only failed, dead or cancelled jobs can be retried.`);
    }
    db.prepare(
      `UPDATE jobs SET status = 'pending', attempts = 0, processing_error = NULL, next_run_at = NULL,
         processing_progress = 0, completed_at = NULL, updated_at = ? WHERE id = ?`,
    ).run(Date.now(), id);
    setVideoStatus(db, job.videoId, 'pending', null);
    return getJob(db, id);
  });
}

/** Removes a dead or cancelled job from the lists; its video keeps its failed state and error. */
export function discardJob(db: Database, id: string): void {
  transaction(db, () => {
    const job = getJob(db, id);
    if (job.status !== 'dead' && job.status !== 'cancelled') {
      throw new StillframeError('conflict', 'Only dead or cancelled jobs can be discarded. Cancel the job first.');
    }
    db.prepare('DELETE FROM jobs WHERE id = ?').run(id);
    if (job.status === 'dead') return;
    setVideoStatus(db, job.videoId, 'failed', {
      code: 'cancelled',
      message: 'Extraction was cancelled and the job discarded.',
    });
  });
}

/** Jobs a crash left `processing` go back to `pending`; returns them so their partial output can be removed. */
export function returnInterruptedJobs(db: Database): Job[] {
  return transaction(db, () => {
    const interrupted = db
      .prepare(`SELECT ${jobColumns} FROM jobs j JOIN videos v ON v.id = j.video_id WHERE j.status = 'processing'`)
      .all()
      .map(toJob);
    for (const job of interrupted) {
      db.prepare(
        `UPDATE jobs SET status = 'pending', worker_id = NULL, processing_progress = 0, attempts = MAX(attempts - 1, 0),
           notice = NULL, updated_at = ? WHERE id = ?`,
      ).run(Date.now(), job.id);
      setVideoStatus(db, job.videoId, 'pending', null);
    }
    return interrupted;
  });
}

export function queueStats(db: Database, concurrency: number): QueueStats {
  const counts = new Map(
    preparedOnce(db, 'SELECT status, COUNT(*) AS n FROM jobs GROUP BY status')
      .all()
      .map((row) => [String(row.status), Number(row.n)]),
  );
  const average = preparedOnce(db, `SELECT AVG(completed_at - started_at) AS ms FROM jobs WHERE status = 'done'`).get() as Row;
  const done = counts.get('done') ?? 0;
  const dead = counts.get('dead') ?? 0;
  return {
    pending: counts.get('pending') ?? 0,
    running: counts.get('processing') ?? 0,
    failed: counts.get('failed') ?? 0,
    dead,
    done,
    averageProcessingMs: average.ms == null ? null : Math.round(Number(average.ms)),
    errorRate: done + dead === 0 ? null : dead / (done + dead),
    concurrency,
  };
}
