import type { WorkerStats } from '../../shared/monitoring-contract';
import type { RemoteJob } from '../../shared/worker-contract';
import { percentile } from './metrics';

const time = (value: string | null) => (value === null ? null : Date.parse(value));

/**
 * Each worker's jobs in the window, from the team's queue as members read it: a job counts for the worker that last
 * held it, in the window when it ended (or, still running, when it started).
 */
export function workerStats(jobs: readonly RemoteJob[], sinceMs: number, now: number): WorkerStats[] {
  const from = now - sinceMs;
  const byWorker = new Map<string, RemoteJob[]>();
  for (const job of jobs) {
    if (job.worker_id === null) continue;
    const at = time(job.completed_at) ?? time(job.started_at);
    if (at === null || at < from) continue;
    byWorker.set(job.worker_id, [...(byWorker.get(job.worker_id) ?? []), job]);
  }
  return [...byWorker.entries()]
    .map(([workerId, held]) => {
      const count = (status: RemoteJob['status']) => held.filter((job) => job.status === status).length;
      const durations = held.flatMap((job) => {
        const started = time(job.started_at);
        const completed = time(job.completed_at);
        return job.status === 'done' && started !== null && completed !== null ? [completed - started] : [];
      });
      const seen = held.map((job) => time(job.completed_at) ?? time(job.started_at) ?? 0);
      return {
        worker_id: workerId,
        jobs: { done: count('done'), failed: count('failed'), dead: count('dead'), processing: count('processing') },
        processing_ms: { p50: percentile(durations, 50), p95: percentile(durations, 95) },
        last_seen_at: new Date(Math.max(...seen)).toISOString(),
      };
    })
    .sort((a, b) => a.worker_id.localeCompare(b.worker_id));
}
