import { create } from 'zustand';
import type { ProjectSync, SyncStatus } from '../../../../shared/sync-contract';
import { call, subscribe } from '../../api';

interface SyncState {
  status: SyncStatus | null;
  /** Starts following the host's sync status; returns the unsubscribe. */
  follow(): () => void;
  refresh(): Promise<void>;
}

/** The host's sync status, as its `sync.status` event last told it. */
export const useSync = create<SyncState>()((set) => ({
  status: null,
  follow() {
    void useSync.getState().refresh();
    const off = subscribe('sync.status', (status) => set({ status }));
    // Coming back online is a reason to sync at once rather than at the next retry.
    const online = () => void call('sync.now', {}).catch(() => undefined);
    window.addEventListener('online', online);
    return () => {
      off();
      window.removeEventListener('online', online);
    };
  },
  async refresh() {
    set({ status: await call('sync.status', {}) });
  },
}));

export function useProjectSync(projectId: string): ProjectSync | null {
  return useSync((state) => state.status?.projects.find((item) => item.projectId === projectId) ?? null);
}

/** One line for a project's sync state, in the person's words. */
export function describeProjectSync(sync: ProjectSync): string {
  switch (sync.state) {
    case 'local':
      return 'Only on this computer';
    case 'synced':
      return 'Synced';
    case 'waiting': {
      const files = sync.filesWaiting > 0 ? `${sync.waiting > 0 ? ', ' : ''}${sync.filesWaiting} file${sync.filesWaiting === 1 ? '' : 's'} to upload` : '';
      const changes = sync.waiting > 0 ? `${sync.waiting} change${sync.waiting === 1 ? '' : 's'} waiting` : '';
      return `${changes}${files}`;
    }
    case 'syncing':
      return sync.progress === null ? 'Syncing…' : `Syncing… ${Math.round(sync.progress * 100)}%`;
    case 'offline':
      return 'Offline: changes are kept and sent when the connection is back';
    case 'error':
      return `Sync failed: ${sync.message ?? 'unknown error'}`;
  }
}
