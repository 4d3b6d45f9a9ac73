import path from 'node:path';
import type { datasetCalls } from '../../shared/dataset-contract';
import { StillframeError } from '../../shared/errors';
import { runDatasetJob } from '../datasets/dataset-jobs';
import type { ExportHooks } from '../datasets/export';
import { isInLibrary } from '../library/paths';
import { getProject } from '../library/projects';
import type { Services } from '../services';
import type { Handlers } from './handlers';

export type DatasetHandlers = Pick<Handlers, keyof typeof datasetCalls>;

/**
 * A relative path would resolve against whatever folder the host process started in (the browser host's, not the
 * person's), so every host passes absolute paths; the CLI resolves its flags against the shell's folder first.
 */
function absolute(folder: string, what: string): string {
  if (!path.isAbsolute(folder)) {
    throw new StillframeError('invalid-input', `${what} must be a full path, such as /home/you/datasets/run-1, not “${folder}”.`);
  }
  return folder;
}

/**
 * The dataset calls over the services; createHandlers spreads them into the contract's implementation. Imports,
 * exports and downloads run on the dataset thread (runDatasetJob), which loads the formats; on this thread they are
 * loaded only by the preview, since every CLI command builds these handlers and ingest above all must not pay for
 * reading and compiling them at each start.
 */
export function createDatasetHandlers(services: Services): DatasetHandlers {
  const { db, events, paths } = services;
  const running = new Map<string, AbortController>();
  const importing = new Map<string, AbortController>();

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
    'datasets.export': (request) => {
      const outDir = absolute(request.outDir, 'The export folder');
      // Stillframe owns everything in its library: tmp/ is emptied at each start and frames/ belongs to videos.
      if (isInLibrary(paths.root, outDir)) {
        throw new StillframeError(
          'invalid-input',
          `Choose an export folder outside the Stillframe library (${paths.root}): Stillframe manages everything in it and would delete or mix up the export.`,
        );
      }
      return tracked(request, (hooks) => runDatasetJob(services, { kind: 'export', request }, hooks));
    },
    'datasets.prepareDownload': (request) => tracked(request, (hooks) => runDatasetJob(services, { kind: 'download', request }, hooks)),
    'datasets.preview': async ({ projectId, batchId }) => (await import('../datasets/download')).exportPreview(db, projectId, batchId),
    'datasets.cancelImport': ({ importId }) => {
      const controller = importing.get(importId);
      controller?.abort();
      return { cancelled: controller !== undefined };
    },
    'datasets.cancelExport': ({ exportId }) => {
      const controller = running.get(exportId);
      controller?.abort();
      return { cancelled: controller !== undefined };
    },
    'datasets.import': async ({ projectId, format, from, dryRun, images, video, importId }) => {
      const project = getProject(db, projectId);
      const controller = new AbortController();
      if (importId !== undefined) {
        if (importing.has(importId)) throw new StillframeError('conflict', 'That import is already running.');
        importing.set(importId, controller);
      }
      let summary;
      try {
        const options = { project, format, from: absolute(from, 'The dataset to import'), dryRun, images: images === undefined ? undefined : absolute(images, 'The images folder'), video: video === undefined ? undefined : absolute(video, 'The video') };
        summary = await runDatasetJob(services, { kind: 'import', options }, { signal: controller.signal });
      } finally {
        if (importId !== undefined) importing.delete(importId);
      }
      // New batches, frames and labels: every view of the project reads again.
      if (!dryRun) {
        events.emit('library.changed', { entity: 'batch', projectId, batchId: null });
        services.thumbnails.start();
      }
      return summary;
    },
    'datasets.thumbnails': () => services.thumbnails.status(),
  };
}
