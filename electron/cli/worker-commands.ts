import { parseArgs, type ParseArgsConfig } from 'node:util';
import { StillframeError } from '../../shared/errors';
import type { WorkerJobLog } from '../../shared/worker-contract';
import { loomSettingsFromEnv } from '../loom/loom-api';
import { startWorker } from '../worker/worker';
import { signInWorker, workerCredentialsFromEnv } from '../worker/worker-session';
import type { CliIO } from './cli';

/** Usage mistakes are invalid input, which the CLI reports with exit code 2. */
function parse<O extends ParseArgsConfig['options']>(args: string[], options: O, positionals = false) {
  try {
    return parseArgs({
      args,
      options: { library: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' }, ...options },
      allowPositionals: positionals,
      strict: true,
    });
  } catch (error) {
    throw new StillframeError('invalid-input', (error as Error).message);
  }
}

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
  const { values } = parse(args, {
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
