import { useEffect } from 'react';
import type { Alert } from '../../../shared/monitoring-contract';
import { call, subscribe } from '../api';
import { useApp } from '../state/store';
import { useMonitoring } from './monitoring-store';

// Electron's main process shows its own system notification for every alert (desktop-notifications.ts).
const inElectron = navigator.userAgent.includes('Electron');

/** In the browser, a system notification where the person has allowed them; the page's own notice always. */
function notify(alert: Alert): void {
  useMonitoring.getState().raised(alert);
  if (inElectron || typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  new Notification(`Stillframe: ${alert.message}`, { body: alert.advice, tag: alert.id });
}

/** Keeps the alerts list fresh and shows each raised alert in the page until dismissed or ended. */
export function AlertNotices() {
  const notices = useMonitoring((state) => state.notices);
  const { dismiss, open, setAlerts } = useMonitoring.getState();

  useEffect(() => {
    call('monitoring.alerts', {}).then(setAlerts, useApp.getState().showError);
    const offs = [subscribe('alert.raised', notify), subscribe('alerts.changed', setAlerts)];
    return () => offs.forEach((off) => off());
  }, [setAlerts]);

  if (notices.length === 0) return null;
  const askPermission = !inElectron && typeof Notification !== 'undefined' && Notification.permission === 'default';
  return (
    <div className="alert-notices" role="region" aria-label="Alerts">
      {notices.map((alert) => (
        <div key={alert.id} role="alert" className="alert-notice">
          <p>
            <strong>{alert.message}</strong> {alert.advice}
          </p>
          <div className="alert-notice-actions">
            <button type="button" onClick={() => open('monitoring')}>Open monitoring</button>
            {askPermission && (
              <button type="button" onClick={() => void Notification.requestPermission()}>Show as notifications</button>
            )}
            <button type="button" aria-label={`Dismiss: ${alert.message}`} onClick={() => dismiss(alert.id)}>Dismiss</button>
          </div>
        </div>
      ))}
    </div>
  );
}
