import type { RemoteJob } from '../../../shared/worker-contract';
import { call } from '../api';
import { percent } from '../format';
import { attempt } from '../state/store';
import { useLiveQuery } from '../use-refresh';
import { useSync } from './sync/sync-store';

const statusWords: Record<RemoteJob['status'], string> = {
  pending: 'waiting for a worker',
  processing: 'processing',
  failed: 'failed, retrying',
  done: 'done',
  dead: 'dead',
  cancelled: 'discarded',
};

function TeamJobRow({ job, onChange }: { job: RemoteJob; onChange(): void }) {
  const name = job.video_name ?? 'A video';
  const act = (action: () => Promise<unknown>) =>
    void attempt(async () => {
      await action();
      onChange();
    });
  return (
    <li className={`job status-${job.status}`} aria-label={`${name} on team workers, ${statusWords[job.status]}`}>
      <div className="job-title">
        <span>{name}</span>
        <span className="job-meta">
          {statusWords[job.status]}
          {job.worker_id && job.status === 'processing' && ` on ${job.worker_id}`} · attempt {job.attempt} of {job.max_attempts}
        </span>
      </div>
      {job.status === 'processing' && (
        <div className="job-progress">
          <div className="progress" role="progressbar" aria-label={`${name} on team workers`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(job.processing_progress * 100)}>
            <div className="progress-fill" style={{ width: percent(job.processing_progress) }} />
          </div>
          <span>{percent(job.processing_progress)}</span>
        </div>
      )}
      {job.processing_error && job.status !== 'done' && <p className="job-error">{job.processing_error}</p>}
      {(job.status === 'dead' || job.status === 'cancelled') && (
        <div className="job-actions">
          <button type="button" onClick={() => act(() => call('team.retry', { jobId: job.id }))} aria-label={`Retry ${name} on team workers`}>
            Retry
          </button>
          {job.status === 'dead' && (
            <button type="button" onClick={() => act(() => call('team.discard', { jobId: job.id }))} aria-label={`Discard ${name} from the team queue`}>
              Discard
            </button>
          )}
        </div>
      )}
    </li>
  );
}

/** The team's queue (jobs of every synced project), beside this computer's; shown only when signed in. */
function TeamQueueList() {
  // Offline or a server hiccup: the list just stays as it was rather than raising an error each refresh. Read again
  // when a job changed, not at each step of an upload's progress: each read is a request to the team's project.
  const jobs = useLiveQuery(() => call('team.jobs', {}).catch(() => null), { 'team.updated': (update) => update.jobs }, [], 500);
  const shown = (jobs.data ?? []).filter((job) => job.status !== 'done');
  if (shown.length === 0) return null;
  return (
    <section aria-label="Team workers">
      <h3>Team workers</h3>
      <ul className="job-list">
        {shown.map((job) => (
          <TeamJobRow key={job.id} job={job} onChange={jobs.reload} />
        ))}
      </ul>
    </section>
  );
}

export function TeamQueue() {
  const signedIn = useSync((state) => state.status?.user != null);
  return signedIn ? <TeamQueueList /> : null;
}
