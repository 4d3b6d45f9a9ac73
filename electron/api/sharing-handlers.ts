import type { sharingCalls } from '../../shared/sharing-contract';
import type { Services } from '../services';
import { ProjectSharing } from '../sync/sharing';
import type { Handlers } from './handlers';

export type SharingHandlers = Pick<Handlers, keyof typeof sharingCalls>;

/** Sharing a synced project and who is where; createHandlers spreads them into the contract's implementation. */
export function createSharingHandlers(services: Services): SharingHandlers {
  const { sync } = services;
  const sharing = new ProjectSharing(sync);
  return {
    'team.members': ({ projectId }) => sharing.members(projectId),
    'team.invite': ({ projectId, email, role }) => sharing.invite(projectId, email, role),
    'team.setRole': ({ projectId, userId, role }) => sharing.setRole(projectId, userId, role),
    'team.remove': ({ projectId, userId }) => sharing.remove(projectId, userId),
    'team.leave': async ({ projectId }) => {
      await sharing.leave(projectId);
      return { projectId };
    },
    'presence.set': ({ place }) => {
      sync.setPlace(place);
      return {};
    },
    'presence.list': ({ projectId }) => sync.people(projectId),
  };
}
