import type { Batch } from '../../shared/domain';
import { call } from './api';
import { openingFirstScreen } from './first-screen';
import type { Route } from './routes';
import { prefetchBatchFrames } from './use-batch-frames';

/** A prefetch no view took this soon is from an earlier visit, and may be out of date. */
const freshMs = 5000;
const batchLists = new Map<string, { list: Promise<Batch[]>; at: number }>();

/**
 * Asks for what a project page shows first as soon as the place is known (a click on its card, an address opened),
 * before its view renders: its batches, and the frames on its first screen at once where the address names the
 * batch, or as soon as the batches say which is on top. Nothing else goes to the host before them: the page holds
 * the rest of its calls until they are answered (`afterFirstScreen`).
 */
export function prefetchPlace(route: Route): void {
  if (route.name !== 'project') return;
  const { projectId, batchId } = route;
  const list = call('batches.list', { projectId });
  batchLists.set(projectId, { list, at: Date.now() });
  openingFirstScreen(
    batchId
      ? prefetchBatchFrames(batchId)
      : list.then(
          (batches) => (batches[0] ? prefetchBatchFrames(batches[0].id) : undefined),
          // Not an error to show here: the page that takes the list reports it.
          () => undefined,
        ),
  );
}

/** The project's batch list for its page's first load: the one already asked for, or asked for now with its frames. */
export function openingBatchList(route: { projectId: string; batchId?: string | undefined }): Promise<Batch[]> {
  const entry = batchLists.get(route.projectId);
  batchLists.delete(route.projectId);
  if (entry && Date.now() - entry.at < freshMs) return entry.list;
  prefetchPlace({ name: 'project', ...route });
  return openingBatchList(route);
}
