// The dataset thread's entry (its own build entry, out/main/dataset-worker.js): runs one import, export or download
// that runDatasetJob handed it, with its own connection to the library, and reports back over the port.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { toAppError } from '../../shared/errors';
import { openDatabase } from '../library/database';
import { explainFailure } from '../library/disk-space';
import { libraryPaths } from '../library/paths';
import { performDatasetJob, type DatasetWorkerCommand, type DatasetWorkerData, type DatasetWorkerMessage } from './dataset-jobs';

const port = parentPort;
if (port === null) throw new Error('dataset-worker.js runs only as a worker thread');
const { libraryDir, job } = workerData as DatasetWorkerData;
const send = (message: DatasetWorkerMessage) => port.postMessage(message);
const controller = new AbortController();
port.on('message', (command: DatasetWorkerCommand) => {
  if (command.type === 'cancel') controller.abort();
});

const paths = libraryPaths(libraryDir);
// Built beside this thread's script (electron.vite.config.ts).
const filePlacer = path.join(path.dirname(fileURLToPath(import.meta.url)), 'file-placer.js');
let db: ReturnType<typeof openDatabase> | null = null;
try {
  db = openDatabase(paths.database);
  const value = await performDatasetJob(db, paths, job, { signal: controller.signal, onProgress: (progress) => send({ type: 'progress', progress }) }, filePlacer);
  send({ type: 'done', value });
} catch (error) {
  // A full disk is told by its error's own fields (SQLite's code, errno), which do not cross the port: say so here.
  send({ type: 'failed', error: toAppError(explainFailure(error, paths.root)) });
} finally {
  db?.close();
  // The cancel listener would keep the thread alive after its one job.
  port.close();
}
