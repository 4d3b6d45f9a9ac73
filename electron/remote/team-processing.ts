import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Video } from '../../shared/domain';
import { StillframeError, toAppError } from '../../shared/errors';
import type { ExtractionOptions } from '../../shared/sampling';
import { pushResultSchema } from '../../shared/sync-contract';
import { remoteJobSchema, type RemoteJob, type TeamVideoState } from '../../shared/worker-contract';
import type { Database } from '../library/database';
import type { LibraryPaths } from '../library/paths';
import { setVideoStatus } from '../library/videos';
import type { EventBus } from '../events';
import { ingestFiles, type IngestRequest, type IngestSettings } from '../ingest/ingest';
import { linkedProjectIds } from '../sync/push';
import type { SyncService } from '../sync/sync-service';
import { tusUpload } from './tus-upload';

/** The seed's limit: more at once only splits the same bandwidth. */
export const maxUploads = 5;
/**
 * How often the team's queue is read while a project has jobs on it and its Realtime channel is not joined. While it
 * is joined, every change to a job is announced there (the job's state is mirrored onto its video row, whose commit
 * the database announces) and the queue is read on each announcement; `safetyPollMs` then only covers a lost one.
 */
const watchIntervalMs = 1_000;
const safetyPollMs = 60_000;
const videoBucket = 'videos';
/** How long an upload that could not reach Supabase waits before it is tried again. */
const retryAfterMs = 5_000;

/** One video on its way to the team's workers; kept on disk so a crash resumes the upload where it was. */
export interface UploadRecord {
  videoId: string;
  projectId: string;
  batchId: string;
  name: string;
  /** The file to send; null for a Loom video, which the worker downloads from Loom. */
  file: string | null;
  size: number;
  storagePath: string | null;
  options: ExtractionOptions & { max_attempts: number };
  /** The TUS upload's address once the server made it: resumed from, never started again. */
  uploadUrl: string | null;
  error: string | null;
}

interface Transfer {
  sent: number;
  total: number;
  startedAt: number;
  startedFrom: number;
}

export interface TeamProcessingOptions {
  db: Database;
  paths: LibraryPaths;
  events: EventBus;
  sync: SyncService;
}

const contentTypes: Record<string, string> = { '.mp4': 'video/mp4', '.m4v': 'video/mp4', '.mov': 'video/quicktime', '.mkv': 'video/x-matroska', '.webm': 'video/webm' };

/** Storage keys take a limited set of characters; the video's own name stays on its row, this is only the object's. */
function storageSafeName(name: string): string {
  return name.normalize('NFKD').replace(/[^\w.\- ]/g, '_').slice(0, 200) || 'video';
}

function formatLeft(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/**
 * "Process on team workers": the video is uploaded whole to the project's Storage (TUS, resumable), then queued for
 * the team's workers; the queue is watched while it has this machine's jobs, and sync brings back the frames.
 */
export class TeamProcessing {
  private readonly db: Database;
  private readonly folder: string;
  private readonly events: EventBus;
  private readonly sync: SyncService;
  private readonly transfers = new Map<string, Transfer>();
  private readonly active = new Map<string, Promise<void>>();
  /** Uploads that could not reach Supabase, and when they are tried again. */
  private readonly deferred = new Map<string, number>();
  private readonly jobs = new Map<string, RemoteJob>();
  private readonly watched = new Set<string>();
  private watchTimer: NodeJS.Timeout | null = null;
  /** When each watched project's queue was last read, and those whose last read failed (polled until one works). */
  private readonly lastRead = new Map<string, number>();
  private readonly readFailed = new Set<string>();
  /**
   * When this machine last queued a job of each project, or put one back with Retry: a read begun before then may not
   * show it, so it cannot say that nothing of the project is left to watch (its upload's record is gone by the time
   * the read ends; a read begun before a Retry still says the job is dead).
   */
  private readonly enqueuedAt = new Map<string, number>();
  /** Reads of a project's queue asked for by announcements: one at a time, and one more if any came meanwhile. */
  private readonly reading = new Map<string, Promise<void>>();
  private readonly readAgain = new Set<string>();
  private readonly stopListening: () => void;
  private stopFollowingPulls: (() => void) | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly stopping = new AbortController();
  private lastEmit = 0;
  /** One sync per project before its uploads start, shared by them (the video rows must be on the server first). */
  private readonly pushed = new Map<string, Promise<unknown>>();
  private storagePathPushes: Promise<unknown> = Promise.resolve();

  constructor(options: TeamProcessingOptions) {
    this.db = options.db;
    this.events = options.events;
    this.sync = options.sync;
    this.folder = path.join(options.paths.root, 'team-uploads');
    mkdirSync(this.folder, { recursive: true });
    this.stopListening = this.sync.live.onAnnouncement((projectId) => this.readSoon(projectId));
  }

  /** Resumes uploads a crash interrupted and watches the jobs this library is waiting for. */
  start(): void {
    for (const projectId of new Set(this.records().map((record) => record.projectId))) this.watch(projectId);
    this.watchWaitingVideos(null);
    // A job a teammate queued or put back with Retry reaches this library as a pulled video row that waits for a
    // worker; its project is then followed as this machine's own jobs are, instead of showing how the job last was.
    this.stopFollowingPulls ??= this.events.on('library.changed', (change) => {
      if (change.entity === 'project') this.watchWaitingVideos(change.projectId);
    });
    this.pump();
  }

  /** Watches the projects (or the one given) with a video waiting for a team worker: on the team, not in the local queue. */
  private watchWaitingVideos(projectId: string | null): void {
    const rows = this.db
      .prepare(`SELECT DISTINCT project_id FROM videos WHERE status IN ('pending', 'processing', 'failed') AND id NOT IN (SELECT video_id FROM jobs) AND (? IS NULL OR project_id = ?)`)
      .all(projectId, projectId);
    for (const row of rows) this.watch(String(row.project_id));
  }

  async stop(): Promise<void> {
    this.stopping.abort(new StillframeError('cancelled', 'Stillframe is shutting down.'));
    this.stopListening();
    this.stopFollowingPulls?.();
    if (this.watchTimer) clearTimeout(this.watchTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await Promise.allSettled([...this.active.values(), ...this.reading.values()]);
  }

  private async client() {
    return this.sync.session.supabase();
  }

  private linked(projectId: string): boolean {
    const user = this.sync.session.storedUser();
    return user !== null && linkedProjectIds(this.db, user.id).has(projectId);
  }

  /** Imports like "Process on this computer", but queues each video for the team's workers instead of here. */
  async ingest(settings: IngestSettings, request: IngestRequest): Promise<Awaited<ReturnType<typeof ingestFiles>>> {
    if (!this.linked(request.projectId)) {
      throw new StillframeError('sync-not-set-up', 'Only a synced project can be processed on team workers. Sync this project with your Supabase project first.');
    }
    const result = await ingestFiles(this.db, settings, { ...request, queueJobs: false });
    this.pushed.delete(request.projectId);
    for (const item of result.videos) {
      const video = item.video;
      if (!video || video.status !== 'pending') continue;
      const direct = video.sourceType === 'file';
      this.save({
        videoId: video.id,
        projectId: video.projectId,
        batchId: video.batchId,
        name: video.name,
        file: direct ? video.sourcePath : null,
        size: video.sizeBytes,
        storagePath: direct ? `${video.projectId}/videos/${video.id}/${storageSafeName(video.name)}` : null,
        options: { ...request.options, max_attempts: settings.maxAttempts },
        uploadUrl: null,
        error: null,
      });
    }
    this.watch(request.projectId);
    this.pump();
    return result;
  }

  /**
   * Resolves when every upload now waiting has been sent and queued, has failed, or waits for the network (`waiting`:
   * kept, and resumed by the next start).
   */
  async uploadsSettled(): Promise<{ failed: UploadRecord[]; waiting: UploadRecord[] }> {
    for (;;) {
      const running = [...this.active.values()];
      if (running.length === 0) break;
      await Promise.allSettled(running);
    }
    const records = this.records();
    return { failed: records.filter((record) => record.error !== null), waiting: records.filter((record) => record.error === null) };
  }

  private recordFile(videoId: string): string {
    return path.join(this.folder, `${videoId}.json`);
  }

  private save(record: UploadRecord): void {
    const file = this.recordFile(record.videoId);
    writeFileSync(`${file}.tmp`, JSON.stringify(record));
    renameSync(`${file}.tmp`, file);
  }

  private records(): UploadRecord[] {
    return readdirSync(this.folder)
      .filter((name) => name.endsWith('.json'))
      .map((name) => JSON.parse(readFileSync(path.join(this.folder, name), 'utf8')) as UploadRecord);
  }

  private pump(): void {
    if (this.stopping.signal.aborted) return;
    for (const record of this.records()) {
      if (this.active.size >= maxUploads) break;
      if (this.active.has(record.videoId) || record.error !== null || (this.deferred.get(record.videoId) ?? 0) > Date.now()) continue;
      const run = this.send(record).finally(() => {
        this.active.delete(record.videoId);
        this.pump();
      });
      this.active.set(record.videoId, run);
    }
  }

  /** An upload moved (at most every 250 ms unless `force`): the batch's rows show it, the queue's list is unchanged. */
  private changed(projectId: string, batchId: string | null, force = false): void {
    const now = Date.now();
    if (!force && now - this.lastEmit < 250) return;
    this.lastEmit = now;
    this.events.emit('team.updated', { projectId, batchId, jobs: false });
  }

  /** A job on the queue was added, changed state, moved on or was taken by a worker. */
  private jobChanged(projectId: string, batchId: string | null): void {
    this.lastEmit = Date.now();
    this.events.emit('team.updated', { projectId, batchId, jobs: true });
  }

  /** Upload (resumable), then the video's Storage path on its row, then the job: enqueued only once the file is whole. */
  private async send(record: UploadRecord): Promise<void> {
    try {
      await this.ensurePushed(record.projectId);
      const client = await this.client();
      const { url, anonKey } = this.sync.session.settings();
      if (record.file && record.storagePath) {
        if (!existsSync(record.file)) throw new StillframeError('file-missing', `“${record.name}” is no longer where it was imported from, so it cannot be uploaded.`);
        const transfer: Transfer = { sent: 0, total: record.size, startedAt: Date.now(), startedFrom: -1 };
        this.transfers.set(record.videoId, transfer);
        await tusUpload({
          endpoint: `${url ?? ''}/storage/v1/upload/resumable`,
          apiKey: anonKey ?? '',
          accessToken: async () => (await this.sync.session.session()).access_token,
          file: record.file,
          size: record.size,
          bucket: videoBucket,
          objectName: record.storagePath,
          contentType: contentTypes[path.extname(record.file).toLowerCase()] ?? 'application/octet-stream',
          uploadUrl: record.uploadUrl,
          onUploadUrl: (uploadUrl) => this.save({ ...record, uploadUrl }),
          onProgress: (sent) => {
            if (transfer.startedFrom < 0) transfer.startedFrom = sent;
            transfer.sent = sent;
            this.changed(record.projectId, record.batchId);
          },
          signal: this.stopping.signal,
        });
        await this.pushStoragePath(record.projectId, record.videoId, record.storagePath);
      }
      const { error } = await client.rpc('enqueue_job', { video_id: record.videoId, options: record.options, priority: 0 });
      if (error) throw new StillframeError(error.code === '42501' ? 'access-denied' : 'network', error.message);
      this.enqueuedAt.set(record.projectId, Date.now());
      rmSync(this.recordFile(record.videoId), { force: true });
      this.transfers.delete(record.videoId);
      this.watch(record.projectId);
      await this.refresh(record.projectId);
    } catch (error) {
      this.transfers.delete(record.videoId);
      if (this.stopping.signal.aborted) return;
      const appError = toAppError(error);
      if (appError.code === 'network' || appError.code === 'internal' || appError.code === 'sign-in-required') {
        // Offline or signed out for now: the upload stays and is tried again (and resumed) later.
        this.deferred.set(record.videoId, Date.now() + retryAfterMs);
        if (!this.retryTimer) {
          this.retryTimer = setTimeout(() => {
            this.retryTimer = null;
            this.pump();
          }, retryAfterMs);
          this.retryTimer.unref();
        }
        return;
      }
      this.save({ ...record, error: appError.message });
      setVideoStatus(this.db, record.videoId, 'failed', appError);
    } finally {
      this.changed(record.projectId, record.batchId, true);
    }
  }

  private ensurePushed(projectId: string): Promise<unknown> {
    let pushed = this.pushed.get(projectId);
    if (!pushed) {
      pushed = this.sync.run(projectId).catch((error: unknown) => {
        this.pushed.delete(projectId);
        throw error;
      });
      this.pushed.set(projectId, pushed);
    }
    return pushed;
  }

  /** The Storage path goes onto the server's video row with a push of this machine's own (the local row has no such column). */
  private pushStoragePath(projectId: string, videoId: string, storagePath: string): Promise<void> {
    // One at a time: the server skips an op id lower than one it has applied, so they must arrive in order.
    const pushed = this.storagePathPushes.then(() => this.pushStoragePathNow(projectId, videoId, storagePath));
    this.storagePathPushes = pushed.catch(() => undefined);
    return pushed;
  }

  private async pushStoragePathNow(projectId: string, videoId: string, storagePath: string): Promise<void> {
    const client = await this.client();
    const counter = this.db.prepare(`SELECT value FROM settings WHERE key = 'team.uploader'`).get();
    const state = counter ? (JSON.parse(String(counter.value)) as { clientId: string; nextOpId: number }) : { clientId: randomUUID(), nextOpId: 1 };
    this.db
      .prepare(`INSERT INTO settings (key, value) VALUES ('team.uploader', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`)
      .run(JSON.stringify({ clientId: state.clientId, nextOpId: state.nextOpId + 1 }));
    const { data, error } = await client.rpc('push_changes', {
      client_id: state.clientId,
      changes: [{ op_id: state.nextOpId, table: 'videos', op: 'upsert', id: videoId, row: { project_id: projectId, storage_path: storagePath } }],
    });
    if (error) throw new StillframeError('network', error.message);
    const refused = pushResultSchema.parse(data).rejected[0];
    if (refused) throw new StillframeError('access-denied', `Supabase refused the video’s upload: ${refused.message}`);
  }

  private watch(projectId: string): void {
    if (!this.linked(projectId)) return;
    // A project that starts being watched is read at once, even while its channel is joined: what made it worth
    // watching (a pulled row, a Retry) may have been announced before it was.
    if (!this.watched.has(projectId)) this.lastRead.delete(projectId);
    this.watched.add(projectId);
    if (this.watchTimer || this.stopping.signal.aborted) return;
    const tick = async () => {
      for (const id of [...this.watched]) {
        // A joined channel brings every change; the queue is then read only now and then, in case one was lost.
        if (this.sync.live.joined(id) && !this.readFailed.has(id) && Date.now() - (this.lastRead.get(id) ?? 0) < safetyPollMs) continue;
        await this.refresh(id).catch(() => undefined);
      }
      this.watchTimer = this.watched.size > 0 && !this.stopping.signal.aborted ? setTimeout(() => void tick(), watchIntervalMs) : null;
      this.watchTimer?.unref();
    };
    this.watchTimer = setTimeout(() => void tick(), 0);
    this.watchTimer.unref();
  }

  /**
   * Reads the project's queue; a job that ended since the last look brings its frames (and the video's status) down
   * with a sync. A project stops being watched once nothing of it is uploading or open on the queue.
   */
  private async refresh(projectId: string): Promise<void> {
    const startedAt = Date.now();
    let list: RemoteJob[];
    try {
      list = await this.list(projectId);
    } catch (error) {
      // What the announcement said would otherwise wait for the safety poll.
      this.readFailed.add(projectId);
      throw error;
    }
    this.readFailed.delete(projectId);
    this.lastRead.set(projectId, Date.now());
    const endedBatches = new Set<string>();
    const open = new Set(['pending', 'processing', 'failed']);
    for (const job of list) {
      const before = this.jobs.get(job.video_id);
      const changed = !before || before.status !== job.status || before.processing_progress !== job.processing_progress || before.worker_id !== job.worker_id;
      this.jobs.set(job.video_id, job);
      if (!changed) continue;
      const row = this.db.prepare('SELECT batch_id FROM videos WHERE id = ?').get(job.video_id);
      const batchId = row ? String(row.batch_id) : null;
      // A job that ended or changed state (retried, taken, dead) brings the video's row down with a sync.
      if (batchId && (before ? before.status !== job.status : !open.has(job.status))) endedBatches.add(batchId);
      this.jobChanged(projectId, batchId);
    }
    if (endedBatches.size > 0) {
      // The job's frames and the video's final status come down with a sync; the open grid then re-reads its batch.
      await this.sync.run(projectId).catch(() => undefined);
      for (const batchId of endedBatches) {
        this.events.emit('library.changed', { entity: 'frame', projectId, batchId });
        this.jobChanged(projectId, batchId);
      }
    }
    const uploading = this.records().some((record) => record.projectId === projectId && record.error === null);
    const current = startedAt > (this.enqueuedAt.get(projectId) ?? 0);
    if (current && !uploading && !list.some((job) => open.has(job.status))) this.watched.delete(projectId);
  }

  /** An announcement on a watched project's channel: its queue is read now, coalescing announcements that come meanwhile. */
  private readSoon(projectId: string): void {
    if (!this.watched.has(projectId) || this.stopping.signal.aborted) return;
    if (this.reading.has(projectId)) {
      this.readAgain.add(projectId);
      return;
    }
    const read = (async () => {
      do {
        this.readAgain.delete(projectId);
        await this.refresh(projectId).catch(() => undefined);
      } while (this.readAgain.has(projectId) && !this.stopping.signal.aborted);
      this.reading.delete(projectId);
    })();
    this.reading.set(projectId, read);
  }

  /** The team's queue for a project (or every synced one), newest first, with each job's video name. */
  async list(projectId?: string): Promise<RemoteJob[]> {
    const client = await this.client();
    let query = client
      .from('processing_jobs')
      .select('id, project_id, video_id, status, attempt, max_attempts, processing_progress, processing_error, worker_id, source_type, started_at, completed_at, created_at')
      .order('created_at', { ascending: false })
      .limit(1000);
    if (projectId) query = query.eq('project_id', projectId);
    const { data, error } = await query;
    if (error) throw new StillframeError('network', `Could not read the team’s queue: ${error.message}`);
    const ids = [...new Set((data ?? []).map((row) => String(row.video_id)))];
    const names = new Map<string, string>();
    for (let start = 0; start < ids.length; start += 200) {
      const { data: videos } = await client.from('videos').select('id, name').in('id', ids.slice(start, start + 200));
      for (const video of videos ?? []) names.set(String(video.id), String(video.name));
    }
    return (data ?? []).map((row) => remoteJobSchema.parse({ ...row, video_name: names.get(String(row.video_id)) ?? null }));
  }

  async retry(jobId: string): Promise<void> {
    await this.call('retry_job', jobId);
  }

  async discard(jobId: string): Promise<void> {
    await this.call('discard_job', jobId);
  }

  private async call(fn: 'retry_job' | 'discard_job', jobId: string): Promise<void> {
    const client = await this.client();
    const { error } = await client.rpc(fn, { job_id: jobId });
    if (error) throw new StillframeError(error.code === '42501' ? 'access-denied' : 'conflict', error.message);
    const job = [...this.jobs.values()].find((item) => item.id === jobId);
    if (job) {
      this.enqueuedAt.set(job.project_id, Date.now());
      this.watch(job.project_id);
      await this.refresh(job.project_id);
    }
  }

  /** What a video row shows while its work is on the team: the upload's progress and time left, or its job's. */
  stateOf(videoId: string): TeamVideoState | null {
    const transfer = this.transfers.get(videoId);
    if (transfer) {
      const elapsed = (Date.now() - transfer.startedAt) / 1000;
      const rate = elapsed > 0.5 ? (transfer.sent - Math.max(0, transfer.startedFrom)) / elapsed : 0;
      return {
        phase: 'uploading',
        progress: transfer.total > 0 ? transfer.sent / transfer.total : 0,
        sentBytes: transfer.sent,
        totalBytes: transfer.total,
        secondsLeft: rate > 0 ? (transfer.total - transfer.sent) / rate : null,
        jobId: null,
        jobStatus: null,
        workerId: null,
        error: null,
      };
    }
    if (existsSync(this.recordFile(videoId))) {
      const record = JSON.parse(readFileSync(this.recordFile(videoId), 'utf8')) as UploadRecord;
      return { phase: record.error ? 'upload-failed' : 'waiting-to-upload', progress: 0, sentBytes: 0, totalBytes: record.size, secondsLeft: null, jobId: null, jobStatus: null, workerId: null, error: record.error };
    }
    const job = this.jobs.get(videoId);
    if (!job) return null;
    return {
      phase: 'queued',
      progress: job.processing_progress,
      sentBytes: null,
      totalBytes: null,
      secondsLeft: null,
      jobId: job.id,
      jobStatus: job.status,
      workerId: job.worker_id,
      error: job.processing_error,
    };
  }

  /** Video rows with what the team is doing to them laid over: progress and a notice in words. */
  overlay(videos: Video[]): Video[] {
    return videos.map((video) => {
      const team = this.stateOf(video.id);
      if (!team) return video;
      const notice =
        team.phase === 'uploading'
          ? `Uploading for the team’s workers: ${Math.round(team.progress * 100)}%${team.secondsLeft !== null ? `, about ${formatLeft(team.secondsLeft)} left` : ''}`
          : team.phase === 'waiting-to-upload'
            ? 'Waiting to upload for the team’s workers'
            : team.phase === 'upload-failed'
              ? null
              : team.jobStatus === 'processing'
                ? `Processing on team worker ${team.workerId ?? ''}`
                : team.jobStatus === 'pending' || team.jobStatus === 'failed'
                  ? 'Waiting for a team worker'
                  : null;
      const active = team.phase !== 'queued' || team.jobStatus === 'pending' || team.jobStatus === 'processing' || team.jobStatus === 'failed';
      // The team's queue is the truth about the job; the synced row catches up with the next pull.
      const status: Video['status'] =
        team.phase === 'upload-failed' || team.jobStatus === 'dead'
          ? 'failed'
          : team.jobStatus === 'processing'
            ? 'processing'
            : active
              ? 'pending'
              : video.status;
      const error = team.error && status === 'failed' ? { code: 'extraction-failed' as const, message: team.error } : video.error;
      return { ...video, status, error, progress: active ? team.progress : video.progress, notice: notice ?? video.notice, team };
    });
  }
}
