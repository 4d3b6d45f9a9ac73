import { useMonitoring } from './monitoring-store';

const when = (ms: number) => new Date(ms).toLocaleString([], { dateStyle: 'short', timeStyle: 'short' });

/** Alerts now and those that ended by themselves: each with its time, what happened and what to do. */
export function AlertsList() {
  const active = useMonitoring((state) => state.active);
  const recent = useMonitoring((state) => state.recent);
  return (
    <section className="alerts" aria-labelledby="alerts-heading">
      <h2 id="alerts-heading">Alerts</h2>
      {active.length === 0 && <p className="job-meta">No alerts now. Stillframe tells you here, and with a notification, when something needs you.</p>}
      <ul className="alert-list" aria-label="Active alerts">
        {active.map((alert) => (
          <li key={alert.id} className="alert-item">
            <time dateTime={new Date(alert.raisedAt).toISOString()}>{when(alert.raisedAt)}</time>
            <strong>{alert.message}</strong>
            <span>{alert.advice}</span>
          </li>
        ))}
      </ul>
      {recent.length > 0 && (
        <details>
          <summary>Earlier alerts ({recent.length})</summary>
          <ul className="alert-list" aria-label="Earlier alerts">
            {recent.map((alert) => (
              <li key={alert.id} className="alert-item ended">
                <time dateTime={new Date(alert.raisedAt).toISOString()}>{when(alert.raisedAt)}</time>
                <span>{alert.message}</span>
                <span className="job-meta">Ended {alert.clearedAt === null ? '' : when(alert.clearedAt)}</span>
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
