import { useMonitoring, usePanel } from './monitoring-store';

/** The header's way into the Monitoring view, with the number of alerts now. */
export function MonitoringButton() {
  const panel = usePanel();
  const alerts = useMonitoring((state) => state.active.length);
  const open = useMonitoring((state) => state.open);
  return (
    <button type="button" aria-pressed={panel === 'monitoring'} onClick={() => open(panel === 'monitoring' ? null : 'monitoring')}>
      Monitoring{alerts > 0 && ' '}
      {alerts > 0 && <span className="badge danger">{alerts === 1 ? '1 alert' : `${alerts} alerts`}</span>}
    </button>
  );
}
