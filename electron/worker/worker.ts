import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import type { SupabaseClient } from '@supabase/supabase-js';
import { StillframeError, toAppError } from '../../shared/errors';
import { claimedJobSchema, type ClaimedJob, type WorkerJobLog } from '../../shared/worker-contract';
import type { LoomSettings } from '../loom/loom-api';
import { FramePusher, processClaimedJob, type JobResult } from './process-job';

export interface WorkerOptions {
  client: SupabaseClient;
  /** Jobs worked on at once, each in its own FFmpeg. */
  concurrency: number;
  leaseSeconds: number;
  /** Exit once the queue of every project this worker serves has nothing pending, waiting for a retry or running. */
  untilIdle: boolean;
  loomSettings: LoomSettings;
  /** How this worker is named in the queue; each lane adds "/1", "/2"... */
  name?: string;
  /** How long to wait before asking again when there is nothing to do. */
  pollMs?: number;
  tmpRoot?: string;
  log: (entry: WorkerJobLog) => void;
  /** Problems that are not a job's own (the network, the session), in words. */
  warn: (message: string) => void;
}

export interface WorkerHandle {
  /** Resolves when every lane has stopped. */
  done: Promise<{ done: number; failed: number }>;
  /**
   * Stops claiming; running jobs finish if they can within `graceMs`, else they are handed back to the queue. A second
   * call hands them back at once.
   */
  stop(graceMs: number): void;
}

/** Progress reaches the database at most this often; the lease is renewed at a third of its length regardless. */
const progressIntervalMs = 1_000;
const handBackMessage = 'The worker was stopped before it finished; the job went back to the queue.';

/** Job folders left by a worker that was killed: their process is gone. */
function clearOrphanedFolders(tmpRoot: string): void {
  for (const entry of readdirSync(tmpRoot)) {
    const pid = Number(/^job-(\d+)-/.exec(entry)?.[1]);
    if (!pid) continue;
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch {
      alive = false;
    }
    if (!alive || pid === process.pid) rmSync(path.join(tmpRoot, entry), { recursive: true, force: true });
  }
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

/** Claims and processes jobs from the team's queue until stopped (or, with untilIdle, until the queue is empty). */
export function startWorker(options: WorkerOptions): WorkerHandle {
  const { client } = options;
  const name = options.name ?? `${hostname()}-${process.pid}`;
  const pollMs = options.pollMs ?? 1_000;
  const tmpRoot = options.tmpRoot ?? path.join(tmpdir(), 'stillframe-worker');
  mkdirSync(tmpRoot, { recursive: true });
  clearOrphanedFolders(tmpRoot);
  const pusher = new FramePusher(client);
  const stopping = new AbortController();
  const handBack = new AbortController();
  let graceTimer: NodeJS.Timeout | null = null;
  const totals = { done: 0, failed: 0 };

  /** Nothing pending, waiting for its retry, or held by any worker (a dead worker's job comes back after its lease). */
  const queueIsIdle = async (): Promise<boolean> => {
    const { count, error } = await client
      .from('processing_jobs')
      .select('id', { count: 'exact', head: true })
      .in('status', ['pending', 'processing', 'failed']);
    return !error && count === 0;
  };

  const runJob = async (job: ClaimedJob, workerId: string, claimedAt: number): Promise<void> => {
    const controller = new AbortController();
    const onHandBack = () => controller.abort(new StillframeError('cancelled', handBackMessage));
    handBack.signal.addEventListener('abort', onHandBack, { once: true });
    if (handBack.signal.aborted) onHandBack();
    let leaseLost = false;
    let progress = 0;
    let lastReport = 0;
    let extractingAt: number | null = null;
    let beating: Promise<void> = Promise.resolve();
    // One heartbeat at a time, in order; false means the lease is gone (taken over, discarded, finished elsewhere).
    const beat = () => {
      beating = beating.then(async () => {
        if (leaseLost) return;
        const { data, error } = await client.rpc('heartbeat_job', { job_id: job.job_id, worker_id: workerId, progress });
        if (error) return options.warn(`Could not renew the lease of “${job.video_name}”: ${error.message}`);
        if (data === false) {
          leaseLost = true;
          controller.abort(new StillframeError('cancelled', 'The job’s lease was lost: another worker has it, or it was discarded.'));
        }
      });
    };
    const renew = setInterval(beat, (job.lease_seconds * 1000) / 3);
    const started = Date.now();
    let result: JobResult | null = null;
    let failure: unknown = null;
    try {
      result = await processClaimedJob(job, {
        client,
        pusher,
        tmpRoot,
        loomSettings: options.loomSettings,
        signal: controller.signal,
        onProgress: (fraction) => {
          progress = fraction;
          const now = Date.now();
          if (now - lastReport < progressIntervalMs) return;
          lastReport = now;
          beat();
        },
        onNotice: (notice) => options.warn(`${job.video_name}: ${notice}`),
        onExtracting: () => (extractingAt ??= Date.now()),
      });
    } catch (error) {
      failure = error;
    } finally {
      clearInterval(renew);
      handBack.signal.removeEventListener('abort', onHandBack);
      await beating;
    }
    let outcome: WorkerJobLog['outcome'];
    let message: string | null = null;
    if (leaseLost) {
      outcome = 'lost';
    } else if (result) {
      const probe = result.probe;
      const { data, error } = await client.rpc('complete_job', {
        job_id: job.job_id,
        worker_id: workerId,
        probe: {
          duration_ms: probe.durationMs,
          width: probe.width,
          height: probe.height,
          frame_rate: probe.frameRate,
          codec: probe.codec,
          rotation: probe.rotation,
        },
      });
      // A completion that did not reach the server leaves the job to come back after its lease; the rerun is a no-op.
      outcome = error ? 'lost' : data === false ? 'lost' : 'done';
      if (error) message = `Could not mark the job done: ${error.message}`;
    } else {
      const handedBack = controller.signal.aborted && handBack.signal.aborted;
      message = handedBack ? handBackMessage : toAppError(failure).message;
      // The local queue's rule: every failure is retried until the job's attempt limit, then it is dead.
      const { data } = await client.rpc('fail_job', { job_id: job.job_id, worker_id: workerId, error: message, retryable: true });
      outcome = handedBack ? 'handed-back' : data === 'dead' ? 'dead' : data === 'failed' ? 'failed' : 'lost';
    }
    if (outcome === 'done') totals.done++;
    else totals.failed++;
    options.log({
      event: 'job',
      outcome,
      job_id: job.job_id,
      video_id: job.video_id,
      project_id: job.project_id,
      video_name: job.video_name,
      worker_id: workerId,
      attempt: job.attempt,
      max_attempts: job.max_attempts,
      frames: result?.frames ?? 0,
      seconds: Math.round((Date.now() - started) / 100) / 10,
      claim_to_extract_ms: extractingAt === null ? null : extractingAt - claimedAt,
      error: outcome === 'done' ? null : message,
    });
  };

  const lane = async (index: number): Promise<void> => {
    const workerId = `${name}/${index + 1}`;
    let backoffMs = pollMs;
    while (!stopping.signal.aborted) {
      const { data, error } = await client.rpc('claim_job', { worker_id: workerId, lease_seconds: options.leaseSeconds });
      if (error) {
        options.warn(`Could not ask the queue for work: ${error.message}`);
        await sleep(backoffMs, stopping.signal);
        backoffMs = Math.min(backoffMs * 2, 30_000);
        continue;
      }
      backoffMs = pollMs;
      if (data === null) {
        if (options.untilIdle && (await queueIsIdle())) return;
        await sleep(pollMs, stopping.signal);
        continue;
      }
      await runJob(claimedJobSchema.parse(data), workerId, Date.now());
    }
  };

  const done = Promise.all(Array.from({ length: options.concurrency }, (_, index) => lane(index))).then(() => {
    if (graceTimer) clearTimeout(graceTimer);
    return totals;
  });

  return {
    done,
    stop(graceMs) {
      if (stopping.signal.aborted) {
        handBack.abort();
        return;
      }
      stopping.abort();
      graceTimer = setTimeout(() => handBack.abort(), graceMs);
      graceTimer.unref();
    },
  };
}
