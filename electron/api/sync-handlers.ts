import type { syncCalls } from '../../shared/sync-contract';
import type { Services } from '../services';
import type { Handlers } from './handlers';

export type SyncHandlers = Pick<Handlers, keyof typeof syncCalls>;

/** The sync calls over the sync service; createHandlers spreads them into the contract's implementation. */
export function createSyncHandlers(services: Services): SyncHandlers {
  const { sync } = services;
  return {
    'sync.status': () => sync.status(),
    'sync.settings.get': () => sync.session.settings(),
    'sync.settings.set': ({ url, anonKey }) => sync.session.saveSettings(url, anonKey),
    'sync.signUp': async ({ email, password }) => {
      const { needsConfirmation } = await sync.session.signUp(email, password);
      return { needsConfirmation, status: sync.status() };
    },
    'sync.signIn': ({ email, password }) => sync.signIn(email, password),
    'sync.signOut': () => sync.signOut(),
    'sync.linkProject': ({ projectId }) => {
      sync.linkProject(projectId);
      sync.run(projectId).catch(() => undefined);
      return sync.status();
    },
    'sync.cloudProjects': () => sync.cloudProjects(),
    'sync.openCloudProject': ({ projectId }) => sync.openCloudProject(projectId),
    'sync.now': ({ projectId }) => sync.run(projectId),
    'sync.conflicts': () => sync.conflicts(),
    'sync.rejections': () => sync.rejections(),
    'sync.dismiss': ({ kind, ids }) => ({ dismissed: sync.dismiss(kind, ids) }),
    'sync.fetchFrame': async ({ frameId }) => ({ downloaded: await sync.fetchFrame(frameId) }),
  };
}
