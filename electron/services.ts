import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { openDatabase, type Database } from './library/database';
import { purgeDeletedFrames } from './library/frames';
import { libraryPaths, type LibraryPaths } from './library/paths';
import { acquireQueueLock } from './library/queue-lock';
import { createExtractionWorker } from './ingest/extraction-job';
import { defaultIngestSettings, type IngestSettings } from './ingest/ingest';
import { EventBus } from './events';
import { ProcessingQueue, type QueueOptions } from './queue/queue';

export interface ServiceOptions {
  libraryDir: string;
  queue?: QueueOptions;
  ingest?: Partial<IngestSettings>;
  /** Start the processing queue at once (the app and `serve`); the CLI's listing commands leave it idle. */
  startQueue?: boolean;
}

/** Everything behind the API, for one library folder. Both hosts and the CLI build exactly this. */
export interface Services {
  paths: LibraryPaths;
  db: Database;
  events: EventBus;
  queue: ProcessingQueue;
  ingestSettings: IngestSettings;
  /** Takes the library's queue lock, recovers interrupted jobs and starts processing. */
  startQueue(): void;
  close(): Promise<void>;
}

/** Leftovers in tmp/ belong to no running job at start-up: a crash or a kill left them. */
function clearTemp(paths: LibraryPaths): void {
  for (const entry of readdirSync(paths.tmp)) rmSync(path.join(paths.tmp, entry), { recursive: true, force: true });
}

/** STILLFRAME_CONCURRENCY caps the queue's parallel extractions (default: cores minus one, at most 5). */
function concurrencyFromEnv(): number | undefined {
  const value = Number(process.env.STILLFRAME_CONCURRENCY);
  return Number.isInteger(value) && value >= 1 && value <= 16 ? value : undefined;
}

export function openServices(options: ServiceOptions): Services {
  const paths = libraryPaths(options.libraryDir);
  for (const dir of [paths.root, paths.frames, paths.thumbs, paths.tmp]) mkdirSync(dir, { recursive: true });
  const db = openDatabase(paths.database);
  const events = new EventBus();
  const ingestSettings = { ...defaultIngestSettings(), ...options.ingest };
  const { worker, cleanup } = createExtractionWorker(db, paths, () => ingestSettings.loom);
  const queue = new ProcessingQueue(db, events, worker, cleanup, { concurrency: concurrencyFromEnv(), ...options.queue });
  let releaseLock: (() => void) | null = null;
  const startQueue = () => {
    if (releaseLock) return;
    releaseLock = acquireQueueLock(paths.root);
    clearTemp(paths);
    purgeDeletedFrames(db, paths);
    queue.start();
  };
  if (options.startQueue) startQueue();
  return {
    paths,
    db,
    events,
    queue,
    ingestSettings,
    startQueue,
    async close() {
      await queue.stop();
      releaseLock?.();
      db.close();
    },
  };
}
