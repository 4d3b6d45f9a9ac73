import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { openDatabase, type Database } from './library/database';
import { explainFailure } from './library/disk-space';
import { purgeDeletedFrames } from './library/frames';
import { libraryPaths, type LibraryPaths } from './library/paths';
import { acquireQueueLock } from './library/queue-lock';
import { ThumbnailPass } from './datasets/thumbnail-pass';
import { createExtractionWorker } from './ingest/extraction-job';
import { defaultIngestSettings, type IngestSettings } from './ingest/ingest';
import { EventBus } from './events';
import type { LoomSettings } from './loom/loom-api';
import { createMonitoring, type Monitoring, type MonitoringOptions } from './monitoring/monitoring-service';
import { ProcessingQueue, type QueueOptions } from './queue/queue';
import { loomSettingsNow } from './settings/loom-key';
import { environmentOnlySecrets, safeStorageSecrets, type SafeStorage, type SecretStore } from './settings/secret-store';
import { SyncService } from './sync/sync-service';
import { TeamProcessing } from './remote/team-processing';
import { settleInterruptedExports } from './datasets/export-journal';

export interface ServiceOptions {
  libraryDir: string;
  queue?: QueueOptions;
  ingest?: Partial<IngestSettings>;
  /** Start the processing queue at once (the app and `serve`); the CLI's listing commands leave it idle. */
  startQueue?: boolean;
  /** Electron's, from main.ts. Without it (the CLI, `serve`) no secret is saved: the Loom key comes from LOOM_API_KEY. */
  safeStorage?: SafeStorage;
  monitoring?: MonitoringOptions;
  /** Where SUPABASE_URL / SUPABASE_ANON_KEY come from (the CLI's environment); default: this process's. */
  env?: NodeJS.ProcessEnv;
  /** The built dataset thread (out/main/dataset-worker.js), from each entry; without it imports and exports run inline. */
  datasetWorker?: string;
}

/** Everything behind the API, for one library folder. Both hosts and the CLI build exactly this. */
export interface Services {
  paths: LibraryPaths;
  db: Database;
  events: EventBus;
  queue: ProcessingQueue;
  ingestSettings: IngestSettings;
  secrets: SecretStore;
  monitoring: Monitoring;
  /** Sync with the person's Supabase project; its loop starts with the queue, in the hosts that stay up. */
  sync: SyncService;
  /** "Process on team workers": uploads to the team's Storage and jobs on its queue. */
  team: TeamProcessing;
  /** Imported frames' thumbnails, made after the import commits; the hosts resume it at start-up. */
  thumbnails: ThumbnailPass;
  /** The built dataset thread's script, or null: see runDatasetJob. */
  datasetWorker: string | null;
  /** The Loom settings for a request made now, with the key from the environment or else the one saved in the app. */
  loomSettings(): LoomSettings;
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

/** STILLFRAME_SAMPLE_INTERVAL_MS samples the machine more often than once a minute (the end-to-end tests). */
function sampleIntervalFromEnv(): number | undefined {
  const value = Number(process.env.STILLFRAME_SAMPLE_INTERVAL_MS);
  return Number.isInteger(value) && value >= 100 ? value : undefined;
}

/**
 * Makes the library's folders and opens its database. A library that cannot be opened (a file in its place, a
 * damaged database, no permission, a full disk) says why here, for the app's start-up dialog and the CLI alike.
 */
function openLibraryFolder(paths: LibraryPaths): Database {
  try {
    for (const dir of [paths.root, paths.frames, paths.thumbs, paths.tmp]) mkdirSync(dir, { recursive: true });
    return openDatabase(paths.database);
  } catch (error) {
    throw explainFailure(error, paths.root);
  }
}

export function openServices(options: ServiceOptions): Services {
  const paths = libraryPaths(options.libraryDir);
  const db = openLibraryFolder(paths);
  const events = new EventBus();
  const monitoring = createMonitoring(db, paths, events, { sampleIntervalMs: sampleIntervalFromEnv(), ...options.monitoring });
  const configured = { ...defaultIngestSettings(), ...options.ingest };
  // Every Loom request, from any caller, goes through this fetch and is recorded.
  const ingestSettings = { ...configured, loom: { ...configured.loom, fetch: monitoring.meteredFetch(configured.loom.fetch) } };
  const secrets = options.safeStorage ? safeStorageSecrets(db, options.safeStorage, process.platform) : environmentOnlySecrets;
  const loomSettings = () => loomSettingsNow(ingestSettings.loom, secrets);
  const { worker, cleanup } = createExtractionWorker(db, paths, loomSettings, monitoring.downloaded);
  const queue = new ProcessingQueue(db, events, worker, cleanup, {
    concurrency: concurrencyFromEnv(),
    onAttemptEnded: monitoring.attemptEnded,
    ...options.queue,
  });
  monitoring.attach(queue);
  const sync = new SyncService({ db, paths, events, secrets, env: options.env });
  const team = new TeamProcessing({ db, paths, events, sync });
  const thumbnails = new ThumbnailPass(db, paths, (progress) => events.emit('thumbnails.progress', progress));
  let releaseLock: (() => void) | null = null;
  let exportsSettled: Promise<void> = Promise.resolve();
  const startQueue = () => {
    if (releaseLock) return;
    releaseLock = acquireQueueLock(paths.root);
    clearTemp(paths);
    purgeDeletedFrames(db, paths);
    exportsSettled = settleInterruptedExports(paths);
    queue.start();
    monitoring.start();
    sync.start();
    team.start();
    thumbnails.start();
  };
  if (options.startQueue) startQueue();
  return {
    paths,
    db,
    events,
    queue,
    ingestSettings,
    secrets,
    monitoring,
    sync,
    team,
    thumbnails,
    datasetWorker: options.datasetWorker ?? null,
    loomSettings,
    startQueue,
    async close() {
      monitoring.stop();
      sync.stop();
      await Promise.all([queue.stop(), team.stop(), sync.idle(), thumbnails.stop(), exportsSettled]);
      releaseLock?.();
      db.close();
    },
  };
}
