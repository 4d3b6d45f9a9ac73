import { useApp } from '../state/store';

/** The top bar's way to the queue drawer, with how many jobs are running or waiting and how many gave up. */
export function QueueButton() {
  const stats = useApp((state) => state.stats);
  const open = useApp((state) => state.queueOpen);
  const setOpen = useApp((state) => state.setQueueOpen);
  const active = (stats?.running ?? 0) + (stats?.pending ?? 0);
  return (
    <button type="button" className="queue-button" aria-expanded={open} aria-controls="queue-drawer" onClick={() => setOpen(!open)}>
      Queue{active > 0 ? ` (${active})` : ''}
      {(stats?.dead ?? 0) > 0 && <span className="badge danger">{stats?.dead} gave up</span>}
    </button>
  );
}
