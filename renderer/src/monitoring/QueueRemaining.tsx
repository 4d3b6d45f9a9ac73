import { call } from '../api';
import { formatDuration } from '../format';
import { useLiveQuery } from '../use-refresh';
import { useMonitoring } from './monitoring-store';

/** The queue drawer's line: time until everything queued is done, and the way to the Monitoring view. */
export function QueueRemaining() {
  const { data } = useLiveQuery(() => call('monitoring.remaining', {}), { 'queue.stats': () => true }, [], 1000);
  const open = useMonitoring((state) => state.open);
  const text =
    data === undefined || data.queueMs === 0
      ? null
      : data.queueMs === null
        ? 'Time left: not known until a first video finishes.'
        : `About ${formatDuration(data.queueMs)} until everything queued is done.`;
  return (
    <div className="queue-remaining">
      {text && <p role="status">{text}</p>}
      <button type="button" onClick={() => open('monitoring')}>Open monitoring</button>
    </div>
  );
}
