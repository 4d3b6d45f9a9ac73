import type { CallName, CallOutput, Calls } from '../../shared/contract';
import path from 'node:path';
import { StillframeError, toAppError } from '../../shared/errors';
import type { z } from 'zod';
import { createAnnotationHandlers } from './annotation-handlers';
import { createDatasetHandlers } from './dataset-handlers';
import { createSelectionHandlers } from './selection-handlers';
import { createMonitoringHandlers } from './monitoring-handlers';
import { createSettingsHandlers } from './settings-handlers';
import { createSharingHandlers } from './sharing-handlers';
import { createSyncHandlers } from './sync-handlers';
import { createTeamHandlers } from './team-handlers';
import { deleteBatch, getBatch, listBatches, renameBatch, reorderBatches } from '../library/batches';
import { getFrame, listFrames, moveFrames, purgeDeletedFrames, restoreFrames, softDeleteFrames } from '../library/frames';
import { discardJob, getJob, listJobs, queueStats, requeueJob } from '../library/jobs';
import { createProject, deleteProject, listProjects, renameProject } from '../library/projects';
import { deleteFailedVideo, listVideos } from '../library/videos';
import { checkIngest, ingestFiles } from '../ingest/ingest';
import { explainFailure } from '../library/disk-space';
import { resolveFfmpeg } from '../media/binaries';
import type { Services } from '../services';
import { version } from '../../package.json';

/** Handlers receive inputs already parsed by their schema (defaults applied). */
export type Handlers = { [C in CallName]: (input: z.output<Calls[C]['input']>) => Promise<CallOutput<C>> | CallOutput<C> };


/** Every handler, with a full disk reported as such wherever in the call the write failed. */
function explainingFailures(handlers: Handlers, root: string): Handlers {
  const wrapped: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const [name, handler] of Object.entries(handlers) as [string, (input: unknown) => unknown][]) {
    wrapped[name] = async (input) => {
      try {
        return await handler(input);
      } catch (error) {
        throw explainFailure(error, root);
      }
    };
  }
  return wrapped as unknown as Handlers;
}

/** The contract's one implementation, over the services. Both hosts, the CLI and the tests call exactly these. */
export function createHandlers(services: Services): Handlers {
  return explainingFailures(libraryHandlers(services), services.paths.root);
}

function libraryHandlers(services: Services): Handlers {
  const { db, events, queue, paths } = services;
  const changed = (entity: 'project' | 'batch' | 'video' | 'frame', projectId: string | null, batchId: string | null = null) =>
    events.emit('library.changed', { entity, projectId, batchId });

  return {
    ...createAnnotationHandlers(services),
    ...createDatasetHandlers(services),
    ...createSettingsHandlers(services),
    ...createSelectionHandlers(services),
    ...createMonitoringHandlers(services),
    ...createSyncHandlers(services),
    ...createTeamHandlers(services),
    ...createSharingHandlers(services),
    'app.info': () => {
      let ffmpeg: { found: boolean; message: string | null };
      try {
        resolveFfmpeg();
        ffmpeg = { found: true, message: null };
      } catch (error) {
        ffmpeg = { found: false, message: toAppError(error).message };
      }
      return { version, libraryPath: paths.root, ffmpeg };
    },
    'library.changes': () => events.libraryChanges,
    'projects.list': () => listProjects(db),
    'projects.create': ({ name }) => {
      const project = createProject(db, name);
      changed('project', project.id);
      return project;
    },
    'projects.rename': ({ id, name }) => {
      const project = renameProject(db, id, name);
      changed('project', id);
      return project;
    },
    'projects.delete': async ({ id }) => {
      for (const job of listJobs(db)) {
        if (job.projectId === id && (job.status === 'processing' || job.status === 'pending' || job.status === 'failed')) {
          queue.cancel(job.id);
        }
      }
      await queue.waitFor(listJobs(db).filter((job) => job.projectId === id).map((job) => job.id));
      deleteProject(db, paths, id);
      changed('project', id);
      return { id };
    },
    'batches.list': ({ projectId }) => listBatches(db, projectId),
    'batches.rename': ({ id, name }) => {
      const batch = renameBatch(db, id, name);
      changed('batch', batch.projectId, id);
      return batch;
    },
    'batches.delete': ({ id }) => {
      const { projectId } = getBatch(db, id);
      const { frames } = deleteBatch(db, paths, id);
      changed('batch', projectId, id);
      return { id, frames };
    },
    'batches.reorder': ({ projectId, orderedIds }) => {
      const batches = reorderBatches(db, projectId, orderedIds);
      changed('batch', projectId);
      return batches;
    },
    'ingest.start': async ({ processOn, ...input }) => {
      // A relative path would resolve against the folder the host process started in, not the person's.
      const relative = input.paths.find((file) => !path.isAbsolute(file));
      if (relative !== undefined) throw new StillframeError('invalid-input', `Give each file as a full path, not “${relative}”.`);
      const settings = { ...services.ingestSettings, loom: services.loomSettings() };
      const result =
        processOn === 'team-workers'
          ? await services.team.ingest(settings, input)
          : await ingestFiles(db, settings, { ...input, onQueued: () => queue.wake() });
      changed('batch', input.projectId, result.batch.id);
      return { batch: result.batch, videos: result.videos };
    },
    'ingest.check': (input) => checkIngest(db, services.ingestSettings, input),
    'videos.list': ({ batchId }) => services.team.overlay(listVideos(db, batchId)),
    'videos.delete': ({ id }) => {
      const video = deleteFailedVideo(db, id);
      changed('video', video.projectId, video.batchId);
      events.emit('queue.stats', queueStats(db, queue.concurrency));
      return { id };
    },
    'frames.list': ({ batchId, offset, limit, after }) => listFrames(db, batchId, offset, limit, after),
    'frames.get': async ({ id }) => {
      // A frame synced from another machine has only its thumbnail here until it is opened.
      await services.sync.fetchFrame(id).catch(() => false);
      return getFrame(db, id);
    },
    'frames.delete': ({ ids }) => {
      purgeDeletedFrames(db, paths);
      const { batchIds } = softDeleteFrames(db, ids);
      for (const batchId of batchIds) changed('frame', getBatch(db, batchId).projectId, batchId);
      return { deleted: ids.length };
    },
    'frames.restore': ({ ids }) => {
      const { batchIds } = restoreFrames(db, ids);
      for (const batchId of batchIds) changed('frame', getBatch(db, batchId).projectId, batchId);
      return { restored: ids.length };
    },
    'frames.purge': () => ({ purged: purgeDeletedFrames(db, paths) }),
    'frames.move': ({ ids, toBatchId }) => {
      const { fromBatchIds } = moveFrames(db, paths, ids, toBatchId);
      const { projectId } = getBatch(db, toBatchId);
      for (const batchId of [...fromBatchIds, toBatchId]) changed('frame', projectId, batchId);
      return { moved: ids.length };
    },
    'jobs.list': () => listJobs(db),
    'jobs.stats': () => queueStats(db, queue.concurrency),
    'jobs.cancel': ({ id }) => queue.cancel(id),
    'jobs.retry': ({ id }) => {
      const job = requeueJob(db, id);
      queue.wake();
      return job;
    },
    'jobs.discard': ({ id }) => {
      const job = getJob(db, id);
      discardJob(db, id);
      changed('video', job.projectId, job.batchId);
      events.emit('queue.stats', queueStats(db, queue.concurrency));
      return { id };
    },
  };
}
