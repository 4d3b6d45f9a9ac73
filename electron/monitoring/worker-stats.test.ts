import { describe, expect, it } from 'vitest';
import type { RemoteJob } from '../../shared/worker-contract';
import { workerStats } from './worker-stats';

const now = Date.parse('2026-12-01T12:00:00Z');
const at = (minutesAgo: number) => new Date(now - minutesAgo * 60_000).toISOString();

function job(worker: string | null, status: RemoteJob['status'], startedMinutesAgo: number | null, tookMinutes: number | null): RemoteJob {
  return {
    id: crypto.randomUUID(), project_id: crypto.randomUUID(), video_id: crypto.randomUUID(), video_name: 'clip.mp4', status,
    attempt: 1, max_attempts: 3, processing_progress: status === 'done' ? 1 : 0, processing_error: null, worker_id: worker, source_type: 'direct',
    started_at: startedMinutesAgo === null ? null : at(startedMinutesAgo),
    completed_at: startedMinutesAgo === null || tookMinutes === null ? null : at(startedMinutesAgo - tookMinutes),
    created_at: at(120),
  };
}

describe('figures per team worker', () => {
  it('count each worker’s jobs in the window and time the ones it finished; jobs no worker held are not counted', () => {
    const jobs = [
      job('a', 'done', 30, 2), job('a', 'done', 20, 4), job('a', 'failed', 10, 1), job('a', 'processing', 1, null),
      job('b', 'dead', 50, 1), job('b', 'done', 600, 3), job(null, 'pending', null, null),
    ];
    const stats = workerStats(jobs, 3_600_000, now);
    expect(stats.map((worker) => [worker.worker_id, worker.jobs])).toEqual([
      ['a', { done: 2, failed: 1, dead: 0, processing: 1 }],
      ['b', { done: 0, failed: 0, dead: 1, processing: 0 }],
    ]);
    expect(stats[0]?.processing_ms).toEqual({ p50: 2 * 60_000, p95: 4 * 60_000 });
    expect(stats[1]?.processing_ms).toEqual({ p50: null, p95: null });
    expect(stats[0]?.last_seen_at).toBe(at(1));
  });
});
