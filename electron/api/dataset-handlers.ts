import type { datasetCalls } from '../../shared/dataset-contract';
import { StillframeError } from '../../shared/errors';
import { exportDataset } from '../datasets/export';
import { importDataset } from '../datasets/import';
import { getProject } from '../library/projects';
import type { Services } from '../services';
import type { Handlers } from './handlers';

export type DatasetHandlers = Pick<Handlers, keyof typeof datasetCalls>;

/** The dataset calls over the services; createHandlers spreads them into the contract's implementation. */
export function createDatasetHandlers(services: Services): DatasetHandlers {
  const { db, events, paths } = services;
  const running = new Map<string, AbortController>();

  return {
    'datasets.export': async (request) => {
      const exportId = request.exportId ?? null;
      const controller = new AbortController();
      if (exportId !== null) {
        if (running.has(exportId)) throw new StillframeError('conflict', 'That export is already running.');
        running.set(exportId, controller);
      }
      try {
        return await exportDataset(paths, request, {
          signal: controller.signal,
          onProgress: (progress) => events.emit('export.progress', { exportId, projectId: request.projectId, ...progress }),
        });
      } finally {
        if (exportId !== null) running.delete(exportId);
      }
    },
    'datasets.cancelExport': ({ exportId }) => {
      const controller = running.get(exportId);
      controller?.abort();
      return { cancelled: controller !== undefined };
    },
    'datasets.import': async ({ projectId, format, from, dryRun, images, video }) => {
      const project = getProject(db, projectId);
      const summary = await importDataset(db, paths, { project, format, from, dryRun, images, video });
      // New batches, frames and labels: every view of the project reads again.
      if (!dryRun) events.emit('library.changed', { entity: 'batch', projectId, batchId: null });
      return summary;
    },
  };
}
