import type { datasetCalls } from '../../shared/dataset-contract';
import { StillframeError } from '../../shared/errors';
import { exportPreview, prepareDownload } from '../datasets/download';
import { exportDataset, type ExportHooks } from '../datasets/export';
import { importDataset } from '../datasets/import';
import { getProject } from '../library/projects';
import type { Services } from '../services';
import type { Handlers } from './handlers';

export type DatasetHandlers = Pick<Handlers, keyof typeof datasetCalls>;

/** The dataset calls over the services; createHandlers spreads them into the contract's implementation. */
export function createDatasetHandlers(services: Services): DatasetHandlers {
  const { db, events, paths } = services;
  const running = new Map<string, AbortController>();

  /** Runs an export that `datasets.cancelExport` can stop by its id, reporting progress as `export.progress`. */
  async function tracked<T>(request: { projectId: string; exportId?: string | undefined }, run: (hooks: ExportHooks) => Promise<T>): Promise<T> {
    const exportId = request.exportId ?? null;
    const controller = new AbortController();
    if (exportId !== null) {
      if (running.has(exportId)) throw new StillframeError('conflict', 'That export is already running.');
      running.set(exportId, controller);
    }
    try {
      return await run({
        signal: controller.signal,
        onProgress: (progress) => events.emit('export.progress', { exportId, projectId: request.projectId, ...progress }),
      });
    } finally {
      if (exportId !== null) running.delete(exportId);
    }
  }

  return {
    'datasets.export': (request) => tracked(request, (hooks) => exportDataset(paths, request, hooks)),
    'datasets.prepareDownload': (request) => tracked(request, (hooks) => prepareDownload(paths, request, hooks)),
    'datasets.preview': ({ projectId, batchId }) => exportPreview(db, projectId, batchId),
    'datasets.cancelExport': ({ exportId }) => {
      const controller = running.get(exportId);
      controller?.abort();
      return { cancelled: controller !== undefined };
    },
    'datasets.import': async ({ projectId, format, from, dryRun }) => {
      const project = getProject(db, projectId);
      const summary = await importDataset(db, paths, { project, format, from, dryRun });
      // New batches, frames and labels: every view of the project reads again.
      if (!dryRun) events.emit('library.changed', { entity: 'batch', projectId, batchId: null });
      return summary;
    },
  };
}
