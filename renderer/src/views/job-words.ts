import type { Job } from '../../../shared/domain';
import { formatDuration, plural } from '../format';

/** A job's state in the words of the person waiting for it. */
export function jobStatusText(job: Pick<Job, 'status' | 'attempts' | 'maxAttempts' | 'nextRunAt'>): string {
  switch (job.status) {
    case 'pending':
      return 'waiting';
    case 'processing':
      return 'extracting frames';
    case 'failed':
      return job.nextRunAt ? `retrying (${job.attempts + 1} of ${job.maxAttempts})` : 'failed';
    case 'dead':
      return `Gave up after ${plural(job.attempts, 'attempt')}`;
    case 'cancelled':
      return 'cancelled';
    case 'done':
      return 'done';
  }
}

/** How long a finished job ran: a clock that reads 0:00 would look like nothing happened. */
export function tookText(ms: number): string {
  return ms < 1000 ? 'took under a second' : `took ${formatDuration(ms)}`;
}
