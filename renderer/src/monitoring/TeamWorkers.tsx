import { call } from '../api';
import { formatDuration } from '../format';
import { useLiveQuery } from '../use-refresh';

/** The team's workers over the chosen period, read from its Supabase: shown only where a team queue can be read. */
export function TeamWorkers({ spanMs }: { spanMs: number }) {
  // A worker's figures change only when one of its jobs does: an upload's progress (many times a minute) is no reason
  // to ask the team's project again.
  const { data } = useLiveQuery(() => call('monitoring.workers', { sinceMs: spanMs }), { 'team.updated': (update) => update.jobs }, [spanMs], 1000);
  if (!data || data.workers.length === 0) return null;
  const time = (ms: number | null) => (ms === null ? '–' : formatDuration(ms));
  return (
    <section aria-labelledby="team-workers-heading" className="team-workers">
      <h2 id="team-workers-heading">Team workers</h2>
      <table className="storage-table">
        <thead>
          <tr>
            <th scope="col">Worker</th>
            <th scope="col">Done</th>
            <th scope="col">Failed</th>
            <th scope="col">Gave up</th>
            <th scope="col">Running</th>
            <th scope="col">Time per video, p50</th>
            <th scope="col">p95</th>
          </tr>
        </thead>
        <tbody>
          {data.workers.map((worker) => (
            <tr key={worker.worker_id}>
              <th scope="row">{worker.worker_id}</th>
              <td>{worker.jobs.done}</td>
              <td>{worker.jobs.failed}</td>
              <td>{worker.jobs.dead}</td>
              <td>{worker.jobs.processing}</td>
              <td>{time(worker.processing_ms.p50)}</td>
              <td>{time(worker.processing_ms.p95)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
