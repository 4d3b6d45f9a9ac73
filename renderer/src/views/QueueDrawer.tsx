import { useEffect, useRef } from 'react';
import type { Job } from '../../../shared/domain';
import { describeSampling } from '../../../shared/sampling';
import { call } from '../api';
import { formatDuration, percent, plural } from '../format';
import { attempt, useApp } from '../state/store';
import { jobStatusText, tookText } from './job-words';
import { QueueRemaining } from '../monitoring/QueueRemaining';
import { JobNotice } from './JobNotice';
import { TeamQueue } from './TeamQueue';

function remaining(job: Job): string | null {
  if (job.status !== 'processing' || job.startedAt === null || job.progress <= 0.02) return null;
  const elapsed = Date.now() - job.startedAt;
  return `${formatDuration((elapsed / job.progress) * (1 - job.progress))} left`;
}

const clock = (ms: number) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

function finishedText(job: Job): string {
  if (job.completedAt === null) return 'done';
  const took = job.startedAt !== null ? ` · ${tookText(job.completedAt - job.startedAt)}` : '';
  return `Finished at ${clock(job.completedAt)}${took}`;
}

function JobRow({ job }: { job: Job }) {
  const { applyJob } = useApp.getState();
  const act = (action: () => Promise<Job | { id: string }>) =>
    void attempt(async () => {
      const result = await action();
      if ('status' in result) applyJob(result);
      else await useApp.getState().loadQueue();
    });
  return (
    <li className={`job status-${job.status}`} aria-label={`${job.videoName}, ${jobStatusText(job)}`}>
      <div className="job-title">
        <span>{job.videoName}</span>
        <span className="job-meta">{describeSampling(job.sampling)}</span>
      </div>
      <p className="job-meta">
        {job.status === 'done' ? finishedText(job) : job.status === 'pending' ? `Waiting since ${clock(job.createdAt)}` : jobStatusText(job)}
      </p>
      {job.status === 'processing' && (
        <div className="job-progress">
          <div className="progress" role="progressbar" aria-label={`Extracting ${job.videoName}`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(job.progress * 100)}>
            <div className="progress-fill" style={{ width: percent(job.progress) }} />
          </div>
          <span>{percent(job.progress)}</span>
          <span>{remaining(job)}</span>
        </div>
      )}
      {job.status === 'processing' && <JobNotice notice={job.notice} />}
      {job.error && (
        <details className="job-error">
          <summary>{job.error.message}</summary>
          {job.error.detail && <pre>{job.error.detail}</pre>}
        </details>
      )}
      <div className="job-actions">
        {(job.status === 'pending' || job.status === 'processing' || job.status === 'failed') && (
          <button type="button" onClick={() => act(() => call('jobs.cancel', { id: job.id }))} aria-label={`Cancel ${job.videoName}`}>
            Cancel
          </button>
        )}
        {(job.status === 'dead' || job.status === 'cancelled') && (
          <>
            <button type="button" onClick={() => act(() => call('jobs.retry', { id: job.id }))} aria-label={`Retry ${job.videoName}`}>
              Retry
            </button>
            <button type="button" onClick={() => act(() => call('jobs.discard', { id: job.id }))} aria-label={`Discard ${job.videoName}`}>
              Discard
            </button>
          </>
        )}
      </div>
    </li>
  );
}

const groups: { title: string; statuses: Job['status'][] }[] = [
  { title: 'Running', statuses: ['processing'] },
  { title: 'Waiting', statuses: ['pending'] },
  { title: 'Failed, retrying', statuses: ['failed'] },
  { title: 'Gave up or cancelled', statuses: ['dead', 'cancelled'] },
];
/** Finished jobs shown in the history, newest first; older ones are counted. */
const historyLength = 50;

/**
 * The queue panel: stays open while browsing, a non-modal dialog. Opening it moves the focus into it; Esc closes it
 * from there and gives the focus back to the Queue button.
 */
export function QueueDrawer() {
  const jobs = useApp((state) => state.jobs);
  const stats = useApp((state) => state.stats);
  const setOpen = useApp((state) => state.setQueueOpen);
  const drawer = useRef<HTMLElement>(null);

  useEffect(() => {
    drawer.current?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape' || !(event.target instanceof Node) || !drawer.current?.contains(event.target)) return;
      event.preventDefault();
      event.stopPropagation();
      setOpen(false);
      document.querySelector<HTMLElement>('[aria-controls="queue-drawer"]')?.focus();
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [setOpen]);

  const finished = jobs
    .filter((job) => job.status === 'done')
    .sort((a, b) => (b.completedAt ?? 0) - (a.completedAt ?? 0));
  return (
    <aside id="queue-drawer" ref={drawer} className="drawer" aria-labelledby="queue-heading" tabIndex={-1}>
      <div className="panel-heading">
        <h2 id="queue-heading">Processing queue</h2>
        <button type="button" aria-keyshortcuts="Escape" onClick={() => setOpen(false)}>
          Close
        </button>
      </div>
      <QueueRemaining />
      {stats && (
        <dl className="queue-stats">
          <div><dt>Waiting</dt><dd>{stats.pending}</dd></div>
          <div><dt>Running</dt><dd>{stats.running}</dd></div>
          <div><dt>Retrying</dt><dd>{stats.failed}</dd></div>
          <div><dt>Gave up</dt><dd>{stats.dead}</dd></div>
          <div><dt>Average time</dt><dd>{stats.averageProcessingMs === null ? '–' : formatDuration(stats.averageProcessingMs)}</dd></div>
          <div><dt>Error rate</dt><dd>{stats.errorRate === null ? '–' : percent(stats.errorRate)}</dd></div>
        </dl>
      )}
      {groups.map((group) => {
        const members = jobs.filter((job) => group.statuses.includes(job.status));
        if (members.length === 0) return null;
        return (
          <section key={group.title} aria-label={group.title}>
            <h3>{group.title}</h3>
            <ul className="job-list">
              {members.map((job) => (
                <JobRow key={job.id} job={job} />
              ))}
            </ul>
          </section>
        );
      })}
      {jobs.every((job) => job.status === 'done') && <p>Nothing is waiting. Imported videos appear here while their frames are extracted.</p>}
      {finished.length > 0 && (
        <section aria-label="Finished">
          <h3>Finished</h3>
          <ul className="job-list">
            {finished.slice(0, historyLength).map((job) => (
              <JobRow key={job.id} job={job} />
            ))}
          </ul>
          {finished.length > historyLength && <p className="job-meta">… and {plural(finished.length - historyLength, 'older job')}.</p>}
        </section>
      )}
      <TeamQueue />
    </aside>
  );
}
