import { create } from 'zustand';
import type { Alert } from '../../../shared/monitoring-contract';

export type MonitoringPanel = 'monitoring' | 'storage' | null;

interface MonitoringState {
  /** The Monitoring or Storage view, shown in place of the current page until closed. */
  panel: MonitoringPanel;
  active: Alert[];
  recent: Alert[];
  /** Raised alerts the page shows as notices, until dismissed or cleared. */
  notices: Alert[];
  open(panel: MonitoringPanel): void;
  setAlerts(alerts: { active: Alert[]; recent: Alert[] }): void;
  raised(alert: Alert): void;
  dismiss(id: string): void;
}

export const useMonitoring = create<MonitoringState>()((set) => ({
  panel: null,
  active: [],
  recent: [],
  notices: [],
  open: (panel) => set({ panel }),
  setAlerts: ({ active, recent }) =>
    set((state) => ({ active, recent, notices: state.notices.filter((notice) => active.some((alert) => alert.id === notice.id)) })),
  raised: (alert) => set((state) => ({ notices: [...state.notices.filter((notice) => notice.id !== alert.id), alert] })),
  dismiss: (id) => set((state) => ({ notices: state.notices.filter((notice) => notice.id !== id) })),
}));
