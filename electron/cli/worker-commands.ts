import path from 'node:path';
import { StillframeError } from '../../shared/errors';
import { isWebAddress } from '../../shared/loom-links';
import type { ExtractionOptions } from '../../shared/sampling';
import type { WorkerJobLog } from '../../shared/worker-contract';
import { findBatchByName } from '../library/batches';
import { findProjectByName } from '../library/projects';
import { loomSettingsFromEnv } from '../loom/loom-api';
import type { Services } from '../services';
import { linkedProjectIds } from '../sync/push';
import { startWorker } from '../worker/worker';
import { signInWorker, workerCredentialsFromEnv } from '../worker/worker-session';
import type { CliIO } from './cli';
import { parseFlags } from './flags';

function wholeNumber(value: string | undefined, flag: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new StillframeError('invalid-input', `${flag} needs a whole number from ${min} to ${max}, not “${value}”.`);
  }
  return number;
}

/** How long SIGTERM lets running jobs finish before they are handed back (systemd's TimeoutStopSec is longer). */
const defaultGraceSeconds = 60;

function describeJob(entry: WorkerJobLog): string {
  const attempt = `attempt ${entry.attempt}/${entry.max_attempts}`;
  const head = `${entry.outcome.padEnd(11)} “${entry.video_name}”`;
  if (entry.outcome === 'done') return `${head}: ${entry.frames} frames in ${entry.seconds} s (${attempt}, ${entry.worker_id})`;
  return `${head} after ${entry.seconds} s (${attempt}, ${entry.worker_id}): ${entry.error ?? ''}`;
}

/**
 * `stillframe worker [--concurrency N] [--lease SECONDS] [--until-idle] [--json]`: a headless worker for the team's
 * queue. It needs no library and no display: everything it makes goes to the team's Supabase project.
 */
export async function workerCommand(args: string[], io: CliIO, signals: NodeJS.EventEmitter = process): Promise<number> {
  const { values } = parseFlags(args, {
    concurrency: { type: 'string' },
    lease: { type: 'string' },
    'until-idle': { type: 'boolean', default: false },
  });
  const concurrency = wholeNumber(values.concurrency, '--concurrency', 1, 1, 16);
  const leaseSeconds = wholeNumber(values.lease, '--lease', 60, 3, 3600);
  const graceSeconds = wholeNumber(io.env.STILLFRAME_WORKER_GRACE_SECONDS, 'STILLFRAME_WORKER_GRACE_SECONDS', defaultGraceSeconds, 0, 86_400);
  const credentials = workerCredentialsFromEnv(io.env);
  const client = await signInWorker(credentials);
  const worker = startWorker({
    client,
    concurrency,
    leaseSeconds,
    untilIdle: values['until-idle'],
    loomSettings: loomSettingsFromEnv(io.env),
    name: io.env.STILLFRAME_WORKER_NAME || undefined,
    pollMs: wholeNumber(io.env.STILLFRAME_WORKER_POLL_MS, 'STILLFRAME_WORKER_POLL_MS', 1_000, 50, 60_000),
    log: (entry) => io.out(values.json ? JSON.stringify(entry) : describeJob(entry)),
    warn: (message) => io.err(values.json ? JSON.stringify({ event: 'warning', message }) : message),
  });
  const onSignal = () => {
    io.err(values.json ? JSON.stringify({ event: 'stopping', grace_seconds: graceSeconds }) : `Stopping: running jobs have ${graceSeconds} s to finish, then go back to the queue.`);
    worker.stop(graceSeconds * 1000);
  };
  signals.on('SIGTERM', onSignal);
  signals.on('SIGINT', onSignal);
  if (!values.json) io.err(`Working for ${credentials.email} on ${credentials.url} (${concurrency} at a time, ${leaseSeconds} s lease).`);
  try {
    const totals = await worker.done;
    if (!values.json) io.err(`Stopped: ${totals.done} done, ${totals.failed} not done.`);
    else io.err(JSON.stringify({ event: 'stopped', ...totals }));
    return 0;
  } finally {
    signals.off('SIGTERM', onSignal);
    signals.off('SIGINT', onSignal);
    client.auth.stopAutoRefresh();
  }
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd()).join('\n');
}

/** The named local project, which must be synced: its team's workers only see what is in Supabase. */
function syncedProject(services: Services, name: string) {
  const project = findProjectByName(services.db, name);
  const user = services.sync.session.storedUser();
  if (!project) throw new StillframeError('not-found', `There is no project named “${name}”. Create it and sync it (stillframe sync --project "${name}") first.`);
  if (!user) throw new StillframeError('sign-in-required', 'Sign in first: stillframe login.');
  if (!linkedProjectIds(services.db, user.id).has(project.id)) {
    throw new StillframeError('sync-not-set-up', `“${project.name}” is not synced, so the team’s workers cannot see it. Run: stillframe sync --project "${project.name}"`);
  }
  return project;
}

export interface RemoteIngest {
  projectName: string;
  batchName: string;
  inputs: string[];
  options: ExtractionOptions;
  json: boolean;
}

/**
 * `stillframe ingest ... --remote`: the same import as the desktop's "Process on team workers": each video is
 * uploaded (resumable) and queued for the team's workers once whole. It returns once every upload is queued.
 */
export async function remoteIngestCommand(services: Services, request: RemoteIngest, io: CliIO): Promise<number> {
  const project = syncedProject(services, request.projectName);
  const existing = findBatchByName(services.db, project.id, request.batchName);
  services.team.start();
  const result = await services.team.ingest(services.ingestSettings, {
    projectId: project.id,
    batch: existing ? { existingId: existing.id } : { newName: request.batchName },
    paths: request.inputs.filter((item) => !isWebAddress(item)).map((file) => path.resolve(file)),
    links: request.inputs.filter(isWebAddress),
    options: request.options,
  });
  if (!request.json) io.err(`Uploading ${result.videos.filter((item) => item.video?.status === 'pending').length} video(s) for the team’s workers…`);
  const { failed, waiting } = await services.team.uploadsSettled();
  const failedById = new Map(failed.map((record) => [record.videoId, record.error]));
  const waitingIds = new Set(waiting.map((record) => record.videoId));
  const videos = result.videos.map((item) => {
    const error = item.error?.message ?? (item.video ? (failedById.get(item.video.id) ?? null) : null);
    const status = item.duplicateOf ? 'duplicate' : error ? 'failed' : waitingIds.has(item.video?.id ?? '') ? 'waiting' : 'queued';
    return { file: item.file, id: item.video?.id ?? item.duplicateOf, status, error };
  });
  if (request.json) io.out(JSON.stringify({ videos }));
  else
    for (const video of videos) {
      io.out(
        video.status === 'queued'
          ? `⇡ ${video.file}: queued for the team’s workers`
          : video.status === 'waiting'
            ? `… ${video.file}: not uploaded yet (Supabase could not be reached); the next ingest --remote or the app resumes it`
            : video.status === 'duplicate'
              ? `= ${video.file}: already in this batch`
              : `✗ ${video.file}: ${video.error}`,
      );
    }
  return videos.every((video) => video.status === 'queued' || video.status === 'duplicate') ? 0 : 1;
}

/** `stillframe jobs --remote [--project NAME] [--json]`: the team's queue with each job's worker, progress and error. */
export async function remoteJobsCommand(services: Services, request: { projectName: string | undefined; json: boolean }, io: CliIO): Promise<number> {
  if (services.sync.session.storedUser() === null) throw new StillframeError('sign-in-required', 'Sign in first: stillframe login.');
  const projectId = request.projectName === undefined ? undefined : syncedProject(services, request.projectName).id;
  const jobs = await services.team.list(projectId);
  if (request.json) io.out(JSON.stringify({ jobs }));
  else if (jobs.length === 0) io.out('The team’s queue is empty.');
  else
    io.out(
      table([
        ['STATUS', 'PROGRESS', 'ATTEMPTS', 'WORKER', 'VIDEO', 'ERROR'],
        ...jobs.map((job) => [job.status, `${Math.round(job.processing_progress * 100)}%`, `${job.attempt}/${job.max_attempts}`, job.worker_id ?? '-', job.video_name ?? job.video_id, job.processing_error ?? '']),
      ]),
    );
  return 0;
}
