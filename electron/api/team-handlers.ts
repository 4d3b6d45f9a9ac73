import type { teamCalls } from '../../shared/worker-contract';
import type { Services } from '../services';
import type { Handlers } from './handlers';

export type TeamHandlers = Pick<Handlers, keyof typeof teamCalls>;

/** The team queue's calls (the queue itself lives in the team's Supabase project); spread into createHandlers. */
export function createTeamHandlers(services: Services): TeamHandlers {
  const { team } = services;
  return {
    'team.jobs': ({ projectId }) => team.list(projectId),
    'team.retry': async ({ jobId }) => {
      await team.retry(jobId);
      return { jobId };
    },
    'team.discard': async ({ jobId }) => {
      await team.discard(jobId);
      return { jobId };
    },
  };
}
