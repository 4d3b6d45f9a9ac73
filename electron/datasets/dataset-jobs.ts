import { Worker } from 'node:worker_threads';
import type { DownloadRequest, ExportRequest, ExportSummary, ImportSummary, PreparedDownload } from '../../shared/dataset-contract';
import { StillframeError, type AppErrorData } from '../../shared/errors';
import type { Database } from '../library/database';
import type { LibraryPaths } from '../library/paths';
import type { ExportHooks } from './export';
import type { ImportOptions } from './import';
import { oldGenerationMb } from './thread-heap';

/** An import, export or download to run: everything but its signal and progress, which cannot cross to a thread. */
export type DatasetJob =
  | { kind: 'import'; options: Omit<ImportOptions, 'signal' | 'filePlacer'> }
  | { kind: 'export'; request: ExportRequest }
  | { kind: 'download'; request: DownloadRequest };

interface DatasetJobResults {
  import: ImportSummary;
  export: ExportSummary;
  download: PreparedDownload;
}

export type DatasetJobResult<J extends DatasetJob> = DatasetJobResults[J['kind']];

type Progress = Parameters<NonNullable<ExportHooks['onProgress']>>[0];

/** What the dataset thread is given when it starts. */
export interface DatasetWorkerData {
  libraryDir: string;
  job: DatasetJob;
}

/** From the thread: progress, then one result or one failure. */
export type DatasetWorkerMessage =
  | { type: 'progress'; progress: Progress }
  | { type: 'done'; value: DatasetJobResults[DatasetJob['kind']] }
  | { type: 'failed'; error: AppErrorData };

/** To the thread: the person cancelled. */
export type DatasetWorkerCommand = { type: 'cancel' };

/**
 * Runs a job on this thread, against the given connection. The dataset thread and the tests' inline runs both end
 * here; only the thread passes the file placer's script, as only its connection is the job's alone (see ImportOptions).
 */
export async function performDatasetJob(
  db: Database,
  paths: LibraryPaths,
  job: DatasetJob,
  hooks: ExportHooks,
  filePlacer: string | null = null,
): Promise<DatasetJobResults[DatasetJob['kind']]> {
  switch (job.kind) {
    case 'import':
      return (await import('./import')).importDataset(db, paths, { ...job.options, signal: hooks.signal, filePlacer });
    case 'export':
      return (await import('./export')).exportDataset(paths, job.request, hooks);
    case 'download':
      return (await import('./download')).prepareDownload(paths, job.request, hooks);
  }
}

/**
 * The young generation's limit on the dataset thread (about 4 MB semi-spaces). V8 otherwise lets it grow to 128 MB of
 * semi-spaces while an import allocates a string and an object per shape, though what stays alive is about 60 MB.
 * Measured on a 100,000-shape Stillframe JSON import, the process's peak fell from 347 MB to 245–255 MB; a 4 MB
 * limit gave 259 MB, so smaller is not better.
 */
const youngGenerationMb = 12;

/** What the person is told when a job outgrows the memory V8 allows the thread: no stack, what to do instead. */
const outOfMemory: Record<DatasetJob['kind'], string> = {
  import: 'The dataset is too large to import in one go: the import needed more memory than Stillframe may use, and was stopped. Nothing was imported. Import it a part at a time (one subset or batch).',
  export: 'The export needed more memory than Stillframe may use, and was stopped before it finished. Export one batch at a time.',
  download: 'The download needed more memory than Stillframe may use, and was stopped before it finished. Download one batch at a time.',
};

/** Where a job runs: on a thread of its own when the built thread script is known (every host), else on this one. */
export interface DatasetJobHost {
  db: Database;
  paths: LibraryPaths;
  /** The built dataset thread's script; null when the sources run unbuilt (the unit tests). */
  datasetWorker: string | null;
}

/**
 * Runs an import, export or download, on its own thread where there is one: there its young generation can be kept
 * small, which a running process cannot do for itself, and the host's event loop stays free meanwhile. The thread
 * opens its own connection to the library; SQLite's WAL and busy timeout order its writes with this process's.
 */
export function runDatasetJob<J extends DatasetJob>(host: DatasetJobHost, job: J, hooks: ExportHooks = {}): Promise<DatasetJobResult<J>> {
  if (host.datasetWorker === null) return performDatasetJob(host.db, host.paths, job, hooks) as Promise<DatasetJobResult<J>>;
  const workerData: DatasetWorkerData = { libraryDir: host.paths.root, job };
  const worker = new Worker(host.datasetWorker, { workerData, resourceLimits: { maxYoungGenerationSizeMb: youngGenerationMb, maxOldGenerationSizeMb: oldGenerationMb } });
  const cancel = () => worker.postMessage({ type: 'cancel' } satisfies DatasetWorkerCommand);
  if (hooks.signal?.aborted) cancel();
  hooks.signal?.addEventListener('abort', cancel, { once: true });
  return new Promise<DatasetJobResult<J>>((resolve, reject) => {
    let settled = false;
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      hooks.signal?.removeEventListener('abort', cancel);
      finish();
    };
    worker.on('message', (message: DatasetWorkerMessage) => {
      if (message.type === 'progress') hooks.onProgress?.(message.progress);
      else if (message.type === 'done') settle(() => resolve(message.value as DatasetJobResult<J>));
      else settle(() => reject(new StillframeError(message.error.code, message.error.message, message.error.detail)));
    });
    worker.on('error', (error: NodeJS.ErrnoException) => {
      settle(() =>
        reject(
          error.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? new StillframeError('file-too-large', outOfMemory[job.kind], error.message)
            : error,
        ),
      );
    });
    worker.on('exit', (code) => settle(() => reject(new StillframeError('internal', `The ${job.kind} stopped before it finished.`, `dataset thread exit code ${code}`))));
  });
}
