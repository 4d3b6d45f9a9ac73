import { Notification } from 'electron';
import type { EventBus } from './events';

/** Shows each raised alert as a system notification; the page's alerts list holds it too. Electron only. */
export function showAlertsAsNotifications(events: EventBus): () => void {
  return events.on('alert.raised', (alert) => {
    if (!Notification.isSupported()) return;
    new Notification({ title: `Stillframe: ${alert.message}`, body: alert.advice }).show();
  });
}
