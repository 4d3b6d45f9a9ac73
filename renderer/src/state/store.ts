import { create } from 'zustand';
import type { Job, Project, QueueStats } from '../../../shared/domain';
import { toAppError, type AppErrorData } from '../../../shared/errors';
import { notConnected } from '../../../shared/host-wire';
import { call } from '../api';
import { useConnection } from './connection';

import { formatRoute, parseRoute, type Route } from '../routes';

export type { Route } from '../routes';

interface AppState {
  route: Route;
  projects: Project[];
  projectsLoaded: boolean;
  jobs: Job[];
  stats: QueueStats | null;
  queueOpen: boolean;
  error: AppErrorData | null;
  /** Goes to a place: a new entry in the history, so Back returns here. */
  navigate(route: Route): void;
  /** Refines the current place (its zoom) without a new history entry. */
  replaceRoute(route: Route): void;
  /** Back, Forward, or an address typed or pasted: the route follows the URL. */
  followLocation(): void;
  loadProjects(): Promise<void>;
  loadQueue(): Promise<void>;
  applyJob(job: Job): void;
  setStats(stats: QueueStats): void;
  setQueueOpen(open: boolean): void;
  showError(error: unknown): void;
  dismissError(): void;
}

/** App-wide state; views read slices of it and the host's events keep it fresh. */
export const useApp = create<AppState>()((set) => ({
  route: parseRoute(window.location.hash),
  projects: [],
  projectsLoaded: false,
  jobs: [],
  stats: null,
  queueOpen: false,
  error: null,
  navigate: (route) => {
    const hash = formatRoute(route);
    if (window.location.hash !== hash) window.history.pushState(null, '', hash);
    set({ route });
  },
  replaceRoute: (route) => {
    const hash = formatRoute(route);
    if (window.location.hash !== hash) window.history.replaceState(null, '', hash);
    set({ route });
  },
  followLocation: () => set({ route: parseRoute(window.location.hash) }),
  loadProjects: async () => {
    const projects = await call('projects.list', {});
    set({ projects, projectsLoaded: true });
  },
  loadQueue: async () => {
    const [jobs, stats] = await Promise.all([call('jobs.list', {}), call('jobs.stats', {})]);
    set({ jobs, stats });
  },
  applyJob: (job) =>
    set((state) => {
      const index = state.jobs.findIndex((existing) => existing.id === job.id);
      if (index === -1) return { jobs: [...state.jobs, job] };
      const jobs = state.jobs.slice();
      jobs[index] = job;
      return { jobs };
    }),
  setStats: (stats) => set({ stats }),
  setQueueOpen: (queueOpen) => set({ queueOpen }),
  showError: (error) => set({ error: toAppError(error) }),
  dismissError: () => set({ error: null }),
}));

// An error that said the host could not be reached stops being true when it is back: the banner goes with it,
// rather than telling a person who is connected again that they are not.
const notConnectedMessage = notConnected.ok ? null : notConnected.error.message;
useConnection.subscribe((now, before) => {
  if (now.connected && !before.connected && useApp.getState().error?.message === notConnectedMessage) useApp.getState().dismissError();
});

/** Runs an action and shows its error, if any, in the app's error banner. */
export async function attempt<T>(action: () => Promise<T>): Promise<T | undefined> {
  try {
    return await action();
  } catch (error) {
    useApp.getState().showError(error);
    return undefined;
  }
}
