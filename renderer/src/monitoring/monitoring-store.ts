import { create } from 'zustand';
import type { Alert } from '../../../shared/monitoring-contract';
import { useApp, type Route } from '../state/store';

export type MonitoringPanel = 'monitoring' | 'storage' | null;

interface MonitoringState {
  /** Where the person was before opening Monitoring or Storage, so closing returns there. */
  returnTo: Route | null;
  active: Alert[];
  recent: Alert[];
  /** Raised alerts the page shows as notices, until dismissed or cleared. */
  notices: Alert[];
  /** Goes to the Monitoring or Storage view (each has its own address), or back from it with null. */
  open(panel: MonitoringPanel): void;
  setAlerts(alerts: { active: Alert[]; recent: Alert[] }): void;
  raised(alert: Alert): void;
  dismiss(id: string): void;
}

const panelOf = (route: Route): MonitoringPanel => (route.name === 'monitoring' || route.name === 'storage' ? route.name : null);

/** The Monitoring or Storage view the address names, shown in place of a page. */
export const usePanel = (): MonitoringPanel => useApp((state) => panelOf(state.route));

export const useMonitoring = create<MonitoringState>()((set, get) => ({
  returnTo: null,
  active: [],
  recent: [],
  notices: [],
  open: (panel) => {
    const { route, navigate } = useApp.getState();
    if (panel === null) {
      navigate(get().returnTo ?? { name: 'projects' });
      return;
    }
    if (panelOf(route) === null) set({ returnTo: route });
    navigate({ name: panel });
  },
  setAlerts: ({ active, recent }) =>
    set((state) => ({ active, recent, notices: state.notices.filter((notice) => active.some((alert) => alert.id === notice.id)) })),
  raised: (alert) => set((state) => ({ notices: [...state.notices.filter((notice) => notice.id !== alert.id), alert] })),
  dismiss: (id) => set((state) => ({ notices: state.notices.filter((notice) => notice.id !== id) })),
}));
