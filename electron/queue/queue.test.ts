import { describe, expect, it } from 'vitest';
import type { Job } from '../../shared/domain';
import { StillframeError } from '../../shared/errors';
import { uuidv7 } from '../../shared/ids';
import { createBatch } from '../library/batches';
import { transaction, type Database } from '../library/database';
import { claimNextJob, createJob, getJob, listJobs, markJobDone, queueStats } from '../library/jobs';
import { createProject } from '../library/projects';
import { insertVideo } from '../library/videos';
import { EventBus } from '../events';
import { openTestServices } from '../test-support/temp-library';
import { ProcessingQueue, type JobWorker } from './queue';

const options = { sampling: { mode: 'every' as const, seconds: 1 }, jpegQuality: 3 };

function seedJobs(db: Database, count: number, priorities: number[] = []): string[] {
  const project = createProject(db, `P ${uuidv7()}`);
  const batch = createBatch(db, project.id, 'B');
  return Array.from({ length: count }, (_, i) =>
    transaction(db, () => {
      const id = uuidv7();
      insertVideo(db, {
        id, projectId: project.id, batchId: batch.id, name: `v${i}.mp4`, sourcePath: `/videos/v${i}.mp4`,
        sizeBytes: 1, contentHash: `h${i}`, status: 'pending', error: null, probe: null,
      });
      return createJob(db, id, options, { maxAttempts: 3, priority: priorities[i] ?? 0 });
    }),
  );
}

/** A worker whose jobs finish only when the test says so, recording what ran concurrently. */
function controlledWorker(db: Database) {
  const gates = new Map<string, { resolve(): void; reject(error: unknown): void }>();
  let concurrent = 0;
  let peak = 0;
  const order: string[] = [];
  const worker: JobWorker = (job: Job, signal) =>
    new Promise<void>((resolve, reject) => {
      order.push(job.id);
      concurrent++;
      peak = Math.max(peak, concurrent);
      const finish = (work: () => void) => {
        concurrent--;
        gates.delete(job.id);
        work();
      };
      signal.addEventListener('abort', () => finish(() => reject(signal.reason)));
      gates.set(job.id, {
        resolve: () => finish(() => (transaction(db, () => markJobDone(db, job)), resolve())),
        reject: (error) => finish(() => reject(error)),
      });
    });
  return { worker, gates, order, peak: () => peak };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
}

describe('the processing queue', () => {
  it('never runs more jobs than its concurrency cap, and takes higher priorities first', async () => {
    const { db } = openTestServices();
    const ids = seedJobs(db, 5, [0, 0, 0, 0, 9]);
    const control = controlledWorker(db);
    const queue = new ProcessingQueue(db, new EventBus(), control.worker, () => {}, { concurrency: 2 });
    queue.start();
    await until(() => control.gates.size === 2);
    expect(control.order[0]).toBe(ids[4]);
    while (control.gates.size > 0) {
      for (const gate of [...control.gates.values()]) gate.resolve();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await queue.waitFor(ids);
    expect(control.peak()).toBe(2);
    expect(listJobs(db).map((job) => job.status)).toEqual(['done', 'done', 'done', 'done', 'done']);
    expect(queueStats(db, 2)).toMatchObject({ done: 5, dead: 0, errorRate: 0 });
  });

  it('retries a failing job with growing backoff, then moves it to the dead-letter list with its error', async () => {
    const { db } = openTestServices();
    const [id] = seedJobs(db, 1);
    const attemptsAt: number[] = [];
    const worker: JobWorker = async () => {
      attemptsAt.push(Date.now());
      throw new StillframeError('extraction-failed', 'FFmpeg stopped before it finished reading this video.');
    };
    const queue = new ProcessingQueue(db, new EventBus(), worker, () => {}, { retryBaseMs: 60 });
    queue.start();
    const [job] = await queue.waitFor([id ?? '']);
    expect(job).toMatchObject({ status: 'dead', attempts: 3, error: { code: 'extraction-failed' } });
    expect(attemptsAt).toHaveLength(3);
    const [a, b, c] = attemptsAt as [number, number, number];
    expect(b - a).toBeGreaterThanOrEqual(55);
    expect(c - b).toBeGreaterThanOrEqual(115);
    expect(queueStats(db, 1)).toMatchObject({ dead: 1, errorRate: 1 });
  });

  it('cancels a running job by aborting its worker, and can retry it afterwards', async () => {
    const { db } = openTestServices();
    const [id = ''] = seedJobs(db, 1);
    const control = controlledWorker(db);
    const cleaned: string[] = [];
    const queue = new ProcessingQueue(db, new EventBus(), control.worker, (job) => cleaned.push(job.id), { concurrency: 1 });
    queue.start();
    await until(() => control.gates.size === 1);
    queue.cancel(id);
    const [cancelled] = await queue.waitFor([id]);
    expect(cancelled?.status).toBe('cancelled');
    expect(cleaned).toEqual([id]);
    expect(() => queue.cancel(id)).toThrow('already ended');

    const events = new EventBus();
    const seen: string[] = [];
    events.on('job.updated', (job) => seen.push(job.status));
    const { requeueJob } = await import('../library/jobs');
    requeueJob(db, id);
    const second = new ProcessingQueue(db, events, control.worker, () => {}, { concurrency: 1 });
    second.start();
    await until(() => control.gates.size === 1);
    control.gates.get(id)?.resolve();
    expect((await second.waitFor([id]))[0]?.status).toBe('done');
    expect(seen).toContain('processing');
  });

  it('starts the next job as soon as a job says its extraction is over, while that job still commits or fails', async () => {
    const { db } = openTestServices();
    const ids = seedJobs(db, 3);
    const started: string[] = [];
    const commits = new Map<string, { finish(): void; fail(): void }>();
    // Each job "extracts" at once, gives its slot back, then waits to be told to commit or to fail.
    const worker: JobWorker = (job, _signal, _onProgress, _onNotice, onSlotFree) => {
      started.push(job.id);
      onSlotFree();
      return new Promise<void>((resolve, reject) => {
        commits.set(job.id, {
          finish: () => (transaction(db, () => markJobDone(db, job)), resolve()),
          fail: () => reject(new StillframeError('not-a-video', 'This file is not a video that FFmpeg can read.')),
        });
      });
    };
    const queue = new ProcessingQueue(db, new EventBus(), worker, () => {}, { concurrency: 1 });
    queue.start();
    await until(() => started.length === 3);
    expect(started).toEqual(ids);
    expect(listJobs(db).map((job) => job.status)).toEqual(['processing', 'processing', 'processing']);

    commits.get(ids[1] ?? '')?.fail();
    commits.get(ids[0] ?? '')?.finish();
    commits.get(ids[2] ?? '')?.finish();
    const jobs = await queue.waitFor(ids);
    expect(jobs.map((job) => job.status)).toEqual(['done', 'dead', 'done']);
    expect(jobs[1]?.error?.message).toBe('This file is not a video that FFmpeg can read.');
  });

  it('waits for a job that gave its slot back before it stops, and cancels it like any other', async () => {
    const { db } = openTestServices();
    const ids = seedJobs(db, 2);
    const aborted: string[] = [];
    const worker: JobWorker = (job, signal, _onProgress, _onNotice, onSlotFree) => {
      onSlotFree();
      return new Promise<void>((_resolve, reject) =>
        signal.addEventListener('abort', () => {
          aborted.push(job.id);
          reject(signal.reason);
        }),
      );
    };
    const queue = new ProcessingQueue(db, new EventBus(), worker, () => {}, { concurrency: 1 });
    queue.start();
    await until(() => queue.runningIds().length === 2);
    expect(queue.cancel(ids[0] ?? '').status).toBe('cancelled');
    expect((await queue.waitFor([ids[0] ?? '']))[0]?.status).toBe('cancelled');
    await queue.stop();
    expect(aborted).toEqual(ids);
    expect(queue.runningIds()).toEqual([]);
  });

  it('returns jobs a crash left processing to pending, cleans their partial output and runs them again', async () => {
    const { db } = openTestServices();
    const [id = ''] = seedJobs(db, 1);
    expect(claimNextJob(db, 'crashed-worker', Date.now())?.id).toBe(id);
    expect(getJob(db, id).status).toBe('processing');

    const cleaned: string[] = [];
    const control = controlledWorker(db);
    const queue = new ProcessingQueue(db, new EventBus(), control.worker, (job) => cleaned.push(job.id), { concurrency: 1 });
    queue.start();
    expect(cleaned).toEqual([id]);
    await until(() => control.gates.size === 1);
    expect(getJob(db, id)).toMatchObject({ status: 'processing', attempts: 1 });
    control.gates.get(id)?.resolve();
    expect((await queue.waitFor([id]))[0]?.status).toBe('done');
  });
});
