import { parseArgs, type ParseArgsConfig } from 'node:util';
import path from 'node:path';
import type { CallOutput } from '../../shared/contract';
import type { Job } from '../../shared/domain';
import { toAppError } from '../../shared/errors';
import { isWebAddress } from '../../shared/loom-links';
import { samplingSchema, type ExtractionOptions, type Sampling } from '../../shared/sampling';
import { listJobs } from '../library/jobs';
import { acquireQueueLock } from '../library/queue-lock';
import { explainFailure } from '../library/disk-space';
import { defaultLibraryDir } from '../library/paths';
import { getVideo } from '../library/videos';
import { loomSettingsFromEnv } from '../loom/loom-api';
import { openServices, type Services } from '../services';
import { leftOutCount, leftOutListing, selectionFlagOptions, selectionFrom, withOptionalValues } from './selection-flags';
import { batchNamed, cliApi, projectNamed, sameName } from './api';

export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  rendererDir: string;
  /** The built dataset thread's script (see runDatasetJob); the tests that run the CLI from its sources have none. */
  datasetWorker?: string;
  /** Resolves when the person asks `serve` to stop (Ctrl+C). */
  untilInterrupted(): Promise<void>;
}

class UsageError extends Error {}

const usage = `Usage: stillframe <command> [options]

Commands:
  projects [--json]                         list projects
  projects create NAME | rename NAME NEW | delete NAME
  batches --project NAME [--json]           list a project's batches
  batch rename NAME NEW | delete NAME | move-frames --to NAME FRAME_ID...   (each with --project NAME)
  ingest FILE|LOOM_LINK... --project NAME --batch NAME [--every SECONDS | --nth N | --keyframes | --scene THRESHOLD]
         [--max-frames N] [--dedupe [T]] [--min-sharpness [S]] [--pick N] [--json]
                                            import videos and extract their frames (optionally only those worth labelling)
  frames --project NAME [--batch NAME] [--left-out] [--json]
  export --project NAME [--batch NAME] --format coco|yolo|voc|cvat|csv|stillframe --out DIR
         [--images copy|link|none] [--zip] [--force] [--skip-empty]
         [--yolo-segments] [--val-ratio R] [--test-ratio R] [--split-by video|frame] [--seed N] [--json]
                                            write a dataset
  import --project NAME --format coco|cvat|voc|yolo|vott|label-studio|auto|stillframe
         --from PATH|ZIP [--images DIR] [--video FILE] [--dry-run] [--json]
                                            read a dataset into a project
  jobs [--json]                             list processing jobs
  jobs run                                  run pending jobs until none is left
  stats [--since DURATION] [--json]         processing figures (default: the last 24h; e.g. 30m, 7d)
  storage [--json] | storage clean [--dry-run] [--json]   space used, and removing what is no longer needed
  serve [--port N]                          serve the app to a browser on this machine
  login [--email ADDRESS]                   sign in to your Supabase project ($SUPABASE_URL, $SUPABASE_ANON_KEY,
                                            $STILLFRAME_EMAIL, $STILLFRAME_PASSWORD)
  sync [--project NAME] [--json]            push, pull and upload; --project links it (or opens the cloud one)
  logout                                    forget the Supabase session
  worker [--concurrency N] [--lease SECONDS] [--until-idle] [--json]
                                            process the team's queue on this machine (no library, no display;
                                            $SUPABASE_URL, $SUPABASE_ANON_KEY, $STILLFRAME_EMAIL, $STILLFRAME_PASSWORD)
  ingest ... --remote                       upload the videos and queue them for the team's workers
  jobs --remote [--project NAME] [--json]   list the team's queue: each job's worker, progress and error

Every command takes --library DIR (default: $STILLFRAME_LIBRARY, else the app's own library folder).`;

const common = {
  library: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} satisfies ParseArgsConfig['options'];

function parse<O extends ParseArgsConfig['options']>(args: string[], options: O) {
  try {
    return parseArgs({ args, options: { ...common, ...options }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function requireString(value: string | boolean | undefined, flag: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`${flag} is required.`);
  return value;
}

function parseNumber(value: string, flag: string, integer: boolean): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0 || (integer && !Number.isInteger(number))) {
    throw new UsageError(`${flag} needs a positive ${integer ? 'whole ' : ''}number, not “${value}”.`);
  }
  return number;
}

function samplingFrom(values: { every?: string; nth?: string; keyframes?: boolean; scene?: string }): Sampling {
  const chosen = [values.every !== undefined, values.nth !== undefined, values.keyframes === true, values.scene !== undefined];
  if (chosen.filter(Boolean).length > 1) throw new UsageError('Choose one of --every, --nth, --keyframes and --scene.');
  const sampling: unknown = values.every !== undefined
    ? { mode: 'every', seconds: parseNumber(values.every, '--every', false) }
    : values.nth !== undefined
      ? { mode: 'nth', n: parseNumber(values.nth, '--nth', true) }
      : values.keyframes
        ? { mode: 'keyframes' }
        : values.scene !== undefined
          ? { mode: 'scene', threshold: Number(values.scene) }
          : { mode: 'every', seconds: 1 };
  const parsed = samplingSchema.safeParse(sampling);
  if (!parsed.success) throw new UsageError('--scene needs a threshold between 0 and 1, such as 0.3.');
  return parsed.data;
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd()).join('\n');
}

async function projectsCommand(services: Services, args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(args, {});
  const [action, ...rest] = positionals;
  const api = cliApi(services);
  if (action === undefined || action === 'list') {
    const projects = await api.invoke('projects.list', {});
    if (values.json) io.out(JSON.stringify({ projects }));
    else if (projects.length === 0) io.out('No projects yet. Create one with: stillframe projects create NAME');
    else
      io.out(
        table([
          ['NAME', 'BATCHES', 'VIDEOS', 'FRAMES'],
          ...projects.map((p) => [p.name, String(p.batchCount), String(p.videoCount), String(p.frameCount)]),
        ]),
      );
    return 0;
  }
  if (action === 'create' && rest.length === 1) {
    const project = await api.invoke('projects.create', { name: rest[0] ?? '' });
    io.out(values.json ? JSON.stringify({ project }) : `Created project “${project.name}”.`);
    return 0;
  }
  if (action === 'rename' && rest.length === 2) {
    const { id } = await projectNamed(api, rest[0] ?? '');
    const project = await api.invoke('projects.rename', { id, name: rest[1] ?? '' });
    io.out(values.json ? JSON.stringify({ project }) : `Renamed to “${project.name}”.`);
    return 0;
  }
  if (action === 'delete' && rest.length === 1) {
    const project = await projectNamed(api, rest[0] ?? '');
    // The delete cancels the project's jobs, as in the app; only the process running the library's queue may.
    const release = acquireQueueLock(services.paths.root);
    try {
      await api.invoke('projects.delete', { id: project.id });
    } finally {
      release();
    }
    io.out(values.json ? JSON.stringify({ deleted: project.id }) : `Deleted project “${project.name}”.`);
    return 0;
  }
  throw new UsageError('projects takes: list, create NAME, rename NAME NEW, or delete NAME.');
}

async function batchesCommand(services: Services, args: string[], io: CliIO): Promise<number> {
  const { values } = parse(args, { project: { type: 'string' } });
  const api = cliApi(services);
  const project = await projectNamed(api, requireString(values.project, '--project'));
  const batches = await api.invoke('batches.list', { projectId: project.id });
  if (values.json) io.out(JSON.stringify({ batches }));
  else io.out(table([['NAME', 'VIDEOS', 'FRAMES'], ...batches.map((b) => [b.name, String(b.videoCount), String(b.frameCount)])]));
  return 0;
}

async function batchCommand(services: Services, args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(args, { project: { type: 'string' }, to: { type: 'string' } });
  const [action, ...rest] = positionals;
  const api = cliApi(services);
  const project = await projectNamed(api, requireString(values.project, '--project'));
  const print = (json: unknown, text: string) => io.out(values.json ? JSON.stringify(json) : text);
  if (action === 'rename' && rest.length === 2) {
    const { id } = await batchNamed(api, project, rest[0] ?? '');
    const batch = await api.invoke('batches.rename', { id, name: rest[1] ?? '' });
    print({ batch }, `Renamed to “${batch.name}”.`);
    return 0;
  }
  if (action === 'delete' && rest.length === 1) {
    const batch = await batchNamed(api, project, rest[0] ?? '');
    const { frames } = await api.invoke('batches.delete', { id: batch.id });
    print({ deleted: batch.id, frames }, `Deleted batch “${batch.name}” and its ${frames} frame(s).`);
    return 0;
  }
  if (action === 'move-frames' && rest.length > 0) {
    const target = await batchNamed(api, project, requireString(values.to, '--to'));
    await api.invoke('frames.move', { ids: rest, toBatchId: target.id });
    print({ moved: rest.length, to: target.id }, `Moved ${rest.length} frame(s) to “${target.name}”.`);
    return 0;
  }
  throw new UsageError('batch takes: rename NAME NEW, delete NAME, or move-frames --to NAME FRAME_ID...; each with --project NAME.');
}

async function ingestCommand(services: Services, args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(withOptionalValues(args), {
    ...selectionFlagOptions,
    project: { type: 'string' },
    batch: { type: 'string' },
    every: { type: 'string' },
    nth: { type: 'string' },
    keyframes: { type: 'boolean' },
    scene: { type: 'string' },
    'max-frames': { type: 'string' },
    remote: { type: 'boolean', default: false },
  });
  if (positionals.length === 0) throw new UsageError('ingest needs at least one video file, folder or Loom link.');
  const projectName = requireString(values.project, '--project');
  const batchName = requireString(values.batch, '--batch');
  const options: ExtractionOptions = {
    sampling: samplingFrom(values),
    jpegQuality: 3,
    ...(values['max-frames'] ? { maxFrames: parseNumber(values['max-frames'], '--max-frames', true) } : {}),
    selection: selectionFrom(values),
  };
  if (values.remote) {
    return (await import('./worker-commands')).remoteIngestCommand(services, { projectName, batchName, inputs: positionals, options, json: values.json }, io);
  }
  const api = cliApi(services);
  // The lock first: an ingest refused because another process runs this library's queue must change nothing.
  services.startQueue();
  const known = (await api.invoke('projects.list', {})).find((candidate) => sameName(candidate.name, projectName));
  const project = known ?? (await api.invoke('projects.create', { name: projectName }));
  const existing = (await api.invoke('batches.list', { projectId: project.id })).find((candidate) => sameName(candidate.name, batchName));
  let result: CallOutput<'ingest.start'>;
  try {
    result = await api.invoke('ingest.start', {
      projectId: project.id,
      batch: existing ? { existingId: existing.id } : { newName: batchName },
      paths: positionals.filter((item) => !isWebAddress(item)).map((file) => path.resolve(file)),
      links: positionals.filter(isWebAddress),
      options,
    }, { paths: 'FILE', links: 'LOOM_LINK', options: '--every, --nth, --keyframes, --scene or --max-frames', 'options.maxFrames': '--max-frames' });
  } catch (error) {
    // A refused import changes nothing, so a project made for it goes again.
    if (!known) await api.invoke('projects.delete', { id: project.id });
    throw error;
  }
  const { db } = services;
  const jobIds = result.videos.flatMap((item) => (item.video?.jobId ? [item.video.jobId] : []));
  if (!values.json) io.err(`Extracting frames from ${jobIds.length} video(s)…`);
  const jobs = new Map<string, Job>((await services.queue.waitFor(jobIds)).map((job) => [job.videoId, job]));
  const videos = result.videos.map((item) => {
    const videoId = item.video?.id ?? item.duplicateOf;
    const video = videoId ? getVideo(db, videoId) : null;
    const done = video?.status === 'done';
    const error = done ? null : (jobs.get(videoId ?? '')?.error ?? video?.error ?? item.error);
    return {
      file: item.file,
      id: videoId,
      status: done ? 'done' : 'failed',
      frames: video?.frameCount ?? 0,
      error: error?.message ?? null,
      ...(item.duplicateOf ? { duplicate: true } : {}),
      ...(options.selection && videoId ? { left_out: leftOutCount(services, videoId) } : {}),
    };
  });
  if (values.json) io.out(JSON.stringify({ videos }));
  else
    for (const video of videos) {
      const note = video.duplicate ? ' (already in this batch)' : '';
      const leftOut = video.left_out ? ` (${video.left_out} left out)` : '';
      io.out(video.status === 'done' ? `✓ ${video.file}: ${video.frames} frames${leftOut}${note}` : `✗ ${video.file}: ${video.error}`);
    }
  return videos.every((video) => video.status === 'done') ? 0 : 1;
}

async function framesCommand(services: Services, args: string[], io: CliIO): Promise<number> {
  const { values } = parse(args, { project: { type: 'string' }, batch: { type: 'string' }, 'left-out': { type: 'boolean' } });
  const api = cliApi(services);
  const project = await projectNamed(api, requireString(values.project, '--project'));
  const batches = values.batch !== undefined ? [await batchNamed(api, project, values.batch)] : await api.invoke('batches.list', { projectId: project.id });
  if (values['left-out']) {
    const leftOut = leftOutListing(services, project.id, values.batch !== undefined ? (batches[0]?.id ?? null) : null);
    if (values.json) io.out(JSON.stringify({ frames: leftOut }));
    else io.out(table([['BATCH', 'TIME (ms)', 'REASON', 'THUMBNAIL'], ...leftOut.map((f) => [f.batch, String(f.timestamp_ms), f.reason, f.thumb_path])]));
    return 0;
  }
  // Oldest batch first, as the library lists them; each batch's frames in import order.
  batches.sort((a, b) => a.createdAt - b.createdAt);
  const frames = [];
  for (const batch of batches) {
    for (let offset = 0; ; ) {
      const page = await api.invoke('frames.list', { batchId: batch.id, offset, limit: 20_000 });
      frames.push(
        ...page.frames.map((frame) => ({
          id: frame.id,
          video_id: frame.videoId,
          batch: batch.name,
          index: frame.index,
          timestamp_ms: frame.timestampMs,
          width: frame.width,
          height: frame.height,
          path: path.join(services.paths.root, frame.path),
          thumb_path: path.join(services.paths.root, frame.thumbPath),
        })),
      );
      offset += page.frames.length;
      if (page.frames.length === 0 || offset >= page.total) break;
    }
  }
  if (values.json) io.out(JSON.stringify({ frames }));
  else io.out(table([['BATCH', 'INDEX', 'TIME (ms)', 'PATH'], ...frames.map((f) => [f.batch, String(f.index), String(f.timestamp_ms), f.path])]));
  return 0;
}

async function jobsCommand(services: Services, args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(args, { remote: { type: 'boolean', default: false }, project: { type: 'string' } });
  if (values.remote) return (await import('./worker-commands')).remoteJobsCommand(services, { projectName: values.project, json: values.json }, io);
  if (positionals[0] === 'run') {
    services.startQueue();
    await services.queue.waitUntilIdle();
    const stats = listJobs(services.db);
    const dead = stats.filter((job) => job.status === 'dead').length;
    io.err(`Queue is empty. ${stats.filter((job) => job.status === 'done').length} done, ${dead} dead.`);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError('jobs takes no arguments, or: run.');
  const jobs = await cliApi(services).invoke('jobs.list', {});
  if (values.json) io.out(JSON.stringify({ jobs }));
  else io.out(table([['STATUS', 'PROGRESS', 'ATTEMPTS', 'VIDEO'], ...jobs.map((j) => [j.status, `${Math.round(j.progress * 100)}%`, `${j.attempts}/${j.maxAttempts}`, j.videoName])]));
  return 0;
}

async function serveCommand(services: Services, args: string[], io: CliIO): Promise<number> {
  const { values } = parse(args, { port: { type: 'string' } });
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port needs a port number.');
  services.startQueue();
  const { startBrowserHost } = await import('../host/browser-host');
  const host = await startBrowserHost(services, { port, rendererDir: io.rendererDir });
  io.out(`Stillframe is serving ${services.paths.root}`);
  io.out(`Open ${host.url}`);
  await io.untilInterrupted();
  await host.close();
  return 0;
}

type Command = (services: Services, args: string[], io: CliIO) => number | Promise<number>;

// The browser host (ws, http) and the dataset formats are loaded only by the commands that use them: every other
// command, ingest above all, would otherwise pay for reading and compiling them at each start.
const datasetCommand =
  (name: 'exportCommand' | 'importCommand'): Command =>
  async (services, args, io) =>
    (await import('./dataset-commands'))[name](services, args, io);

const monitoringCommand =
  (name: 'statsCommand' | 'storageCommand'): Command =>
  async (services, args, io) =>
    (await import('./monitoring-commands'))[name](services, args, io);

const syncCommand =
  (name: 'loginCommand' | 'syncCommand' | 'logoutCommand'): Command =>
  async (services, args, io) =>
    (await import('./sync-commands'))[name](services, args, io);

const commands: Record<string, Command> = {
  projects: projectsCommand,
  batches: batchesCommand,
  batch: batchCommand,
  ingest: ingestCommand,
  frames: framesCommand,
  export: datasetCommand('exportCommand'),
  import: datasetCommand('importCommand'),
  jobs: jobsCommand,
  stats: monitoringCommand('statsCommand'),
  storage: monitoringCommand('storageCommand'),
  serve: serveCommand,
  login: syncCommand('loginCommand'),
  sync: syncCommand('syncCommand'),
  logout: syncCommand('logoutCommand'),
};

/** Runs one CLI command; returns the exit code: 0 done, 1 failed, 2 usage error. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command && name !== 'worker') {
    io.err(`Unknown command “${name}”.\n\n${usage}`);
    return 2;
  }
  let services: Services | null = null;
  let libraryDir = defaultLibraryDir(io.env);
  try {
    // A worker serves the team's Supabase project and keeps no library of its own.
    if (name === 'worker') return await (await import('./worker-commands')).workerCommand(args, io);
    // Only --library and --help matter before the library opens; each command then parses its own flags strictly.
    const { values } = parseArgs({ args, options: common, allowPositionals: true, strict: false });
    if (values.help === true) {
      io.out(usage);
      return 0;
    }
    if (typeof values.library === 'string') {
      // path.resolve('') is the current folder: `--library "$UNSET"` would quietly make a library wherever the shell is.
      if (values.library.trim() === '') throw new UsageError('--library needs a folder, such as --library ~/Stillframe.');
      libraryDir = path.resolve(values.library);
    }
    services = openServices({ libraryDir, ingest: { loom: loomSettingsFromEnv(io.env) }, env: io.env, datasetWorker: io.datasetWorker });
    return await (command as Command)(services, args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n\n${usage}`);
      return 2;
    }
    const appError = toAppError(explainFailure(error, libraryDir));
    io.err(appError.code === 'internal' ? `${appError.message}\n${appError.detail ?? ''}` : appError.message);
    return appError.code === 'invalid-input' ? 2 : 1;
  } finally {
    await services?.close();
  }
}
