import type { selectionCalls } from '../../shared/selection-contract';
import { getBatch } from '../library/batches';
import { countLeftOut, listLeftOutFrames } from '../library/left-out';
import { bringBackFrames } from '../ingest/bring-back';
import { estimateSelection, previewBatchSelection } from '../ingest/selection-preview';
import type { Services } from '../services';
import type { Handlers } from './handlers';

export type SelectionHandlers = Pick<Handlers, keyof typeof selectionCalls>;

/** The frame selection calls over the services; createHandlers spreads them into the contract's implementation. */
export function createSelectionHandlers(services: Services): SelectionHandlers {
  const { db, events, paths } = services;
  return {
    'leftOut.list': ({ batchId }) => {
      getBatch(db, batchId);
      const frames = listLeftOutFrames(db, [batchId]);
      return { frames, counts: countLeftOut(frames) };
    },
    'leftOut.bringBack': async ({ ids }) => {
      const { frameIds, batchIds } = await bringBackFrames(db, paths, ids);
      for (const batchId of batchIds) events.emit('library.changed', { entity: 'frame', projectId: getBatch(db, batchId).projectId, batchId });
      return { frameIds };
    },
    'selection.estimate': (input) => estimateSelection(paths, input),
    'selection.previewBatch': ({ batchId, selection }) => {
      getBatch(db, batchId);
      return previewBatchSelection(db, paths, batchId, selection);
    },
  };
}
