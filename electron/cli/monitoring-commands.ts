import type { CleanupItem, Stats, WorkerStats } from '../../shared/monitoring-contract';
import { createMonitoringHandlers } from '../api/monitoring-handlers';
import type { Services } from '../services';
import type { CliIO } from './cli';
import { parseFlags, usageError } from './flags';

const units: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** "90s", "30m", "24h", "7d", "2w" as milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(text.trim());
  const ms = match ? Number(match[1]) * (units[match[2] ?? ''] ?? 0) : 0;
  if (!match || ms < 1000 || ms > 365 * 86_400_000) throw usageError(`--since needs a duration such as 30m, 24h or 7d, not “${text}”.`);
  return Math.round(ms);
}

const mb = (bytes: number | null) => (bytes === null ? '–' : `${(bytes / 1024 ** 2).toFixed(1)} MB`);
const seconds = (ms: number | null) => (ms === null ? '–' : `${(ms / 1000).toFixed(1)} s`);

function statsText(stats: Stats): string {
  const { jobs } = stats;
  return [
    `Jobs: ${jobs.done} done, ${jobs.failed} failed attempts, ${jobs.dead} dead; ${jobs.pending} pending, ${jobs.processing} processing`,
    `Error rate: ${stats.error_rate === null ? '–' : `${(stats.error_rate * 100).toFixed(1)} %`}`,
    `Processing time: p50 ${seconds(stats.processing_ms.p50)}, p95 ${seconds(stats.processing_ms.p95)}`,
    `Frames per second: ${stats.frames_per_second === null ? '–' : stats.frames_per_second.toFixed(1)}`,
    `Queue: ${stats.queue_length} video(s)${stats.queue_remaining_ms ? `, about ${seconds(stats.queue_remaining_ms)} to go` : ''}`,
    `Disk free: ${stats.disk.free_bytes === null ? '–' : `${(stats.disk.free_bytes / 1e9).toFixed(1)} GB`}`,
    `Loom: ${stats.loom.requests} request(s), ${stats.loom.errors} error(s), p95 ${stats.loom.p95_ms === null ? '–' : `${stats.loom.p95_ms} ms`}`,
    `Downloads: ${stats.downloads.count}, ${mb(stats.downloads.bytes)} at ${stats.downloads.bytes_per_second === null ? '–' : `${mb(stats.downloads.bytes_per_second)}/s`}`,
  ].join('\n');
}

function workerText(worker: WorkerStats): string {
  const { jobs } = worker;
  return `Worker ${worker.worker_id}: ${jobs.done} done, ${jobs.failed} failed, ${jobs.dead} dead, ${jobs.processing} running; p50 ${seconds(worker.processing_ms.p50)}, p95 ${seconds(worker.processing_ms.p95)}`;
}

/** `stillframe stats [--since DURATION] [--json]`: the Monitoring view's figures for scripts (default: the last 24 h). */
export async function statsCommand(services: Services, args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags(args, { since: { type: 'string' } }, true);
  if (positionals.length > 0) throw usageError('stats takes no arguments, only --since DURATION and --json.');
  const sinceMs = values.since === undefined ? undefined : parseDuration(values.since);
  const handlers = createMonitoringHandlers(services);
  const window = sinceMs === undefined ? {} : { sinceMs };
  const stats = await handlers['monitoring.stats'](window);
  // With team workers, the same figures per worker from the team's Supabase (none when not signed in).
  const team = await handlers['monitoring.workers'](window);
  io.out(values.json ? JSON.stringify({ ...stats, workers: team.workers }) : [statsText(stats), ...team.workers.map(workerText)].join('\n'));
  return 0;
}

function itemsText(items: readonly CleanupItem[], verb: string): string {
  if (items.length === 0) return 'Nothing to clean up.';
  const freed = items.reduce((sum, item) => sum + item.bytes, 0);
  return [...items.map((item) => `${mb(item.bytes).padStart(10)}  ${item.description}`), `${verb} ${mb(freed)} in ${items.length} item(s).`].join('\n');
}

/** `stillframe storage [--json]` and `stillframe storage clean [--dry-run] [--json]`. */
export async function storageCommand(services: Services, args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags(args, { 'dry-run': { type: 'boolean', default: false } }, true);
  const handlers = createMonitoringHandlers(services);
  if (positionals[0] === 'clean' && positionals.length === 1) {
    const { items } = await handlers['storage.cleanupPlan']({});
    const dryRun = values['dry-run'] === true;
    const listed = dryRun ? items : (await handlers['storage.cleanup']({ ids: items.map((item) => item.id) })).removed;
    const freed = listed.reduce((sum, item) => sum + item.bytes, 0);
    io.out(values.json ? JSON.stringify({ dry_run: dryRun, items: listed, freed_bytes: freed }) : itemsText(listed, dryRun ? 'Would free' : 'Freed'));
    return 0;
  }
  if (positionals.length > 0 || values['dry-run']) throw usageError('storage takes no arguments, or: clean [--dry-run].');
  const usage = await handlers['storage.usage']({});
  if (values.json) {
    io.out(
      JSON.stringify({
        projects: usage.projects.map((project) => ({
          name: project.name,
          bytes: project.bytes,
          batches: project.batches.map((batch) => ({ name: batch.name, bytes: batch.bytes, frames: batch.frames })),
        })),
        tmp_bytes: usage.tmpBytes,
        database_bytes: usage.databaseBytes,
        total_bytes: usage.totalBytes,
      }),
    );
    return 0;
  }
  const lines = usage.projects.flatMap((project) => [
    `${project.name}  ${mb(project.bytes)}`,
    ...project.batches.map((batch) => `  ${batch.name}  ${mb(batch.bytes)}  ${batch.frames} frame(s)`),
  ]);
  io.out([...lines, `Temporary files  ${mb(usage.tmpBytes)}`, `Database  ${mb(usage.databaseBytes)}`, `Library in all  ${mb(usage.totalBytes)}`].join('\n'));
  return 0;
}
