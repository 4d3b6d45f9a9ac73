import type { SupabaseClient } from '@supabase/supabase-js';
import { StillframeError, toAppError } from '../../shared/errors';
import {
  pullPageSchema,
  pushResultSchema,
  type CloudProject,
  type ProjectSync,
  type SyncConflict,
  type SyncRejection,
  type SyncRun,
  type SyncStatus,
} from '../../shared/sync-contract';
import { transaction, type Database, type Row } from '../library/database';
import type { LibraryPaths } from '../library/paths';
import type { EventBus } from '../events';
import type { SecretStore } from '../settings/secret-store';
import type { Place, PresentPerson } from '../../shared/sharing-contract';
import { downloadFrameImage, downloadRemoteThumbnails, filesWaiting, uploadPendingFiles } from './files';
import { applyInbox, pullPageSize, storePulledPage } from './pull';
import { acknowledgePush, clientIdFor, linkedProjectIds, preparePush, queueWholeProject } from './push';
import { LiveChannels } from './live';
import { SyncSession } from './session';

/** The loop runs this often when nothing else wakes it. */
const intervalMs = 60_000;
/** After a failure it tries again sooner, doubling up to the interval: 2 s, 4 s, ... 60 s. */
const firstBackoffMs = 2_000;
const emitEveryMs = 250;

const emptyRun = (): SyncRun => ({ pushed: 0, rejected: 0, conflicts: 0, pulled: 0, uploaded: 0, uploadsFailed: 0, downloaded: 0, projects: 0 });

/** Rows waiting to be pushed, per project (outbox rows resolved to their project, plus a batch in flight). */
function waitingByProject(db: Database): Map<string, number> {
  const rows = db
    .prepare(
      `SELECT project_id, COUNT(*) AS n FROM (
         SELECT DISTINCT o.entity, o.row_id, CASE o.entity
           WHEN 'project' THEN o.row_id
           WHEN 'batch' THEN (SELECT project_id FROM batches WHERE id = o.row_id)
           WHEN 'label' THEN (SELECT project_id FROM labels WHERE id = o.row_id)
           WHEN 'video' THEN (SELECT project_id FROM videos WHERE id = o.row_id)
           WHEN 'frame' THEN (SELECT b.project_id FROM frames f JOIN batches b ON b.id = f.batch_id WHERE f.id = o.row_id)
           ELSE (SELECT b.project_id FROM shapes s JOIN frames f ON f.id = s.frame_id JOIN batches b ON b.id = f.batch_id WHERE s.id = o.row_id)
         END AS project_id FROM outbox o
         UNION SELECT entity, row_id, project_id FROM push_ops
       ) WHERE project_id IS NOT NULL GROUP BY project_id`,
    )
    .all();
  return new Map(rows.map((row) => [String(row.project_id), Number(row.n)]));
}

export interface SyncServiceOptions {
  db: Database;
  paths: LibraryPaths;
  events: EventBus;
  secrets: SecretStore;
  env?: NodeJS.ProcessEnv;
}

/**
 * The sync loop for one library, in the process that owns it. Every database step is a short transaction of its
 * own, so editing never waits on the network. One run at a time: a "Sync now" during a run waits for that run and
 * then runs again, so what it asked for is included.
 */
export class SyncService {
  readonly session: SyncSession;
  /** The projects' Realtime channels: announcements of changes, and who is where. */
  readonly live: LiveChannels;
  private readonly db: Database;
  private readonly paths: LibraryPaths;
  private readonly events: EventBus;
  private running: Promise<SyncRun> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private backoffMs = firstBackoffMs;
  private state: SyncStatus['state'] = 'idle';
  private message: string | null = null;
  private progress: { projectId: string | null; value: number } | null = null;
  private schemaChecked = '';
  private started = false;
  private lastEmit = 0;
  /** Set when the library closes: nothing reads the database after that. */
  private closed = false;
  private emitTimer: NodeJS.Timeout | null = null;
  /** Live pulls: one in flight, and the projects announced meanwhile, pulled together right after it. */
  private livePull: Promise<void> | null = null;
  /** Realtime's socket closing, after stop. */
  private liveClosed: Promise<void> | null = null;
  private readonly liveQueued = new Set<string>();
  /** Thumbnails announced before their files were up: tried again a few times, sooner than the loop would. */
  private readonly thumbRetries = new Map<string, { tries: number; timer: NodeJS.Timeout }>();
  /** Live pushes: local edits go out as they are made while the app is up, one push at a time. */
  private livePush: Promise<void> | null = null;
  private pushAgain = false;
  /** Thumbnails come down faster than views need telling: their paths gather here and go out every quarter second. */
  private readonly arrived = new Map<string, string[]>();
  private arrivedTimer: NodeJS.Timeout | null = null;
  private offChanged: (() => void) | null = null;

  constructor(options: SyncServiceOptions) {
    this.db = options.db;
    this.paths = options.paths;
    this.events = options.events;
    this.session = new SyncSession(options.db, options.secrets, options.paths.root, options.env);
    this.live = new LiveChannels({
      client: () => this.session.supabase(),
      token: async () => (await this.session.session()).access_token,
      changed: (projectId) => this.requestPull(projectId),
      membersChanged: (projectId) => this.events.emit('team.membersChanged', { projectId }),
      presence: (projectId, people) => this.events.emit('presence.changed', { projectId, people }),
    });
  }

  /** Runs now, then on the timer; the app and `serve` call this, the CLI syncs once. */
  start(): void {
    this.started = true;
    // Edits announce themselves as library changes: teammates see them as soon as they are pushed.
    this.offChanged ??= this.events.on('library.changed', () => this.pushSoon());
    this.schedule(0);
  }

  /** For closing the library: no more runs, and no more status reads. */
  stop(): void {
    this.started = false;
    this.closed = true;
    this.liveClosed = this.live.stop();
    for (const { timer } of this.thumbRetries.values()) clearTimeout(timer);
    this.offChanged?.();
    if (this.timer) clearTimeout(this.timer);
    if (this.emitTimer) clearTimeout(this.emitTimer);
    if (this.arrivedTimer) clearTimeout(this.arrivedTimer);
    this.timer = null;
    this.emitTimer = null;
    this.arrivedTimer = null;
    this.arrived.clear();
  }

  /** Resolves once the run in progress, if any, is over (for closing the library). */
  async idle(): Promise<void> {
    await Promise.all([this.running?.catch(() => undefined), this.livePull, this.livePush, this.liveClosed]);
  }

  private schedule(delayMs: number): void {
    if (!this.started) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.session.configured || this.session.storedUser() === null) return this.schedule(intervalMs);
      this.run().catch(() => undefined);
    }, delayMs);
    this.timer.unref();
  }

  /**
   * Announces the status at most every quarter second while a run reports progress (counting what waits reads the
   * whole outbox), and at once when `now` is set: a run's end, a sign-in.
   */
  private emit(now = false): void {
    if (this.closed) return;
    const wait = this.lastEmit + emitEveryMs - Date.now();
    if (!now && wait > 0) {
      this.emitTimer ??= setTimeout(() => {
        this.emitTimer = null;
        this.emit(true);
      }, wait);
      this.emitTimer.unref();
      return;
    }
    if (this.emitTimer) clearTimeout(this.emitTimer);
    this.emitTimer = null;
    this.lastEmit = Date.now();
    this.events.emit('sync.status', this.status());
  }

  private readonly thumbnailArrived = (projectId: string, thumbPath: string): void => {
    const paths = this.arrived.get(projectId);
    if (paths) paths.push(thumbPath);
    else this.arrived.set(projectId, [thumbPath]);
    if (this.arrivedTimer) return;
    this.arrivedTimer = setTimeout(() => this.announceArrivals(), emitEveryMs);
    this.arrivedTimer.unref();
  };

  /** Tells the views which thumbnails came down since the last time, so tiles that found them missing ask again. */
  private announceArrivals(): void {
    if (this.arrivedTimer) clearTimeout(this.arrivedTimer);
    this.arrivedTimer = null;
    if (!this.closed) {
      for (const [projectId, thumbPaths] of this.arrived) this.events.emit('thumbnails.arrived', { projectId, thumbPaths });
    }
    this.arrived.clear();
  }

  private setProgress(projectId: string | null, value: number): void {
    this.progress = { projectId, value };
    this.emit();
  }

  status(): SyncStatus {
    const user = this.session.storedUser();
    const linked = user ? this.db.prepare('SELECT project_id, last_synced_at, role, unshared_at FROM sync_projects WHERE user_id = ?').all(user.id) : [];
    const waiting = waitingByProject(this.db);
    const files = filesWaiting(this.db);
    const projects: ProjectSync[] = (this.db.prepare('SELECT id FROM projects ORDER BY id').all() as Row[]).map((row) => {
      const projectId = String(row.id);
      const link = linked.find((item) => item.project_id === projectId);
      const rows = waiting.get(projectId) ?? 0;
      const filesLeft = files.get(projectId) ?? 0;
      if (!link) return { projectId, state: 'local', waiting: rows, filesWaiting: 0, progress: null, message: null, lastSyncedAt: null, role: null };
      const role = link.role == null ? null : String(link.role);
      const lastSyncedAt = link.last_synced_at == null ? null : Number(link.last_synced_at);
      if (link.unshared_at != null) {
        const message = 'This project is no longer shared with you: it stays on this computer and no longer syncs.';
        return { projectId, state: 'unshared', waiting: rows, filesWaiting: filesLeft, progress: null, message, lastSyncedAt, role: null };
      }
      const busy = this.state === 'syncing';
      const state: ProjectSync['state'] = busy
        ? 'syncing'
        : this.state === 'offline'
          ? 'offline'
          : this.state === 'error'
            ? 'error'
            : rows + filesLeft > 0
              ? 'waiting'
              : 'synced';
      return {
        projectId,
        state,
        waiting: rows,
        filesWaiting: filesLeft,
        progress: busy && (this.progress?.projectId === projectId || this.progress?.projectId === null) ? (this.progress?.value ?? 0) : null,
        message: state === 'offline' || state === 'error' ? this.message : null,
        lastSyncedAt,
        role,
      };
    });
    const count = (table: string) => Number((this.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as Row).n);
    return {
      configured: this.session.configured,
      user,
      state: user === null ? 'signed-out' : this.state,
      message: this.message,
      projects,
      conflicts: count('sync_conflicts'),
      rejections: count('sync_rejections'),
    };
  }

  /** One whole sync (push, pull, files), or the one already running; failures set the state and retry with backoff. */
  run(projectId?: string): Promise<SyncRun> {
    if (this.running) {
      const again = () => this.run(projectId);
      return this.running.then(again, again);
    }
    const current = this.runOnce(projectId).finally(() => {
      if (this.running === current) this.running = null;
    });
    this.running = current;
    return current;
  }

  private async runOnce(projectId?: string): Promise<SyncRun> {
    this.state = 'syncing';
    this.message = null;
    this.setProgress(projectId ?? null, 0);
    try {
      const result = await this.sync(projectId);
      this.state = 'idle';
      this.backoffMs = firstBackoffMs;
      this.progress = null;
      this.emit(true);
      this.schedule(intervalMs);
      this.followLinked();
      return result;
    } catch (error) {
      const appError = toAppError(error);
      this.state = appError.code === 'network' ? 'offline' : 'error';
      this.message = appError.message;
      this.progress = null;
      this.emit(true);
      // Offline or a server hiccup: try again soon, then less often. Signed out or not set up: wait for the person.
      if (appError.code === 'network' || appError.code === 'internal') {
        this.schedule(this.backoffMs);
        this.backoffMs = Math.min(this.backoffMs * 2, intervalMs);
      }
      throw error;
    }
  }

  private async sync(only?: string): Promise<SyncRun> {
    const run = emptyRun();
    const { userId } = await this.prepare();
    Object.assign(run, await this.pushOutbox());
    const projects = [...linkedProjectIds(this.db, userId)].filter((id) => only === undefined || id === only);
    run.pulled = await this.pullProjects(projects, only ?? null);
    run.projects = projects.length;
    Object.assign(run, await this.syncFiles(projects, only ?? null));
    const now = Date.now();
    for (const projectId of projects) this.db.prepare('UPDATE sync_projects SET last_synced_at = ? WHERE project_id = ?').run(now, projectId);
    if (run.pulled > 0) this.events.emit('library.changed', { entity: 'project', projectId: only ?? null, batchId: null });
    return run;
  }

  /** A fresh session, a schema check once per project URL, and this library's client id for the person. */
  private async prepare(): Promise<{ userId: string; clientId: string }> {
    const session = await this.session.session();
    await this.live.setAuth(session.access_token);
    if (this.schemaChecked !== this.session.settings().url) {
      await this.session.checkSchema();
      this.schemaChecked = this.session.settings().url ?? '';
    }
    const userId = session.user.id;
    return { userId, clientId: transaction(this.db, () => clientIdFor(this.db, userId)) };
  }

  /** Push: batches of up to 2,000 changes until the outbox is empty; each batch the server answers is settled at once. */
  async pushOutbox(): Promise<Pick<SyncRun, 'pushed' | 'rejected' | 'conflicts'>> {
    const { userId, clientId } = await this.prepare();
    const client = await this.session.supabase();
    const totals = { pushed: 0, rejected: 0, conflicts: 0 };
    for (;;) {
      const changes = preparePush(this.db, userId);
      if (changes.length === 0) break;
      const data = await this.rpc(client, 'push_changes', { client_id: clientId, changes });
      const result = acknowledgePush(this.db, userId, pushResultSchema.parse(data));
      totals.pushed += result.applied;
      totals.rejected += result.rejected;
      totals.conflicts += result.conflicts;
      this.emit();
    }
    return totals;
  }

  /** Pull: each project from where it last got to, a page at a time, each page applied as it comes. */
  async pullProjects(projects: readonly string[], progressFor: string | null = null): Promise<number> {
    const client = await this.session.supabase();
    let pulled = 0;
    for (const [index, projectId] of projects.entries()) {
      const link = this.db.prepare('SELECT last_pulled_seq FROM sync_projects WHERE project_id = ?').get(projectId);
      let after = Number(link?.last_pulled_seq ?? 0);
      const ask = (from: number) => this.rpc(client, 'pull_changes', { project_id: projectId, after_seq: from, max_rows: pullPageSize });
      let next = ask(after);
      for (;;) {
        const page = pullPageSchema.parse(await next);
        if (page.role === null) {
          this.markUnshared(projectId);
          break;
        }
        storePulledPage(this.db, projectId, page);
        if (page.role !== undefined) this.db.prepare('UPDATE sync_projects SET role = ? WHERE project_id = ?').run(page.role, projectId);
        pulled += page.rows.length;
        const more = page.more && page.next > after;
        // The next page is asked for before this one is applied, so the server works while the library writes.
        if (more) {
          after = page.next;
          next = ask(after);
          next.catch(() => undefined);
        }
        const { applied } = await applyInbox(this.db, this.paths, projectId);
        // The views show the pulled rows now, with placeholders where thumbnails are still to come down.
        if (applied > 0) this.events.emit('library.changed', { entity: 'project', projectId, batchId: null });
        this.setProgress(progressFor, (index + (more ? 0.5 : 1)) / Math.max(projects.length, 1) / 2);
        if (!more) break;
      }
    }
    return pulled;
  }

  /** Files: new frames' images and thumbnails up, pulled frames' thumbnails down. */
  async syncFiles(projects: readonly string[], progressFor: string | null = null): Promise<Pick<SyncRun, 'uploaded' | 'uploadsFailed' | 'downloaded'>> {
    const client = await this.session.supabase();
    const uploads = await uploadPendingFiles(client, this.db, this.paths, projects, ({ done, total }) =>
      this.setProgress(progressFor, 0.5 + done / Math.max(total, 1) / 2),
    );
    const downloaded = await downloadRemoteThumbnails(client, this.db, this.paths, projects, this.thumbnailArrived);
    this.announceArrivals();
    return { uploaded: uploads.uploaded, uploadsFailed: uploads.failed, downloaded };
  }

  private async rpc(client: SupabaseClient, name: 'push_changes' | 'pull_changes', args: Record<string, unknown>): Promise<unknown> {
    const { data, error } = await client.rpc(name, args);
    if (error) throw this.requestError(error);
    return data;
  }

  private requestError(error: { message: string; code?: string; status?: number }): StillframeError {
    if (this.session.isUnreachable(error)) {
      return new StillframeError('network', `Can’t reach ${this.session.settings().url ?? 'the Supabase project'}. Stillframe keeps your changes and retries.`);
    }
    if (error.code === 'PGRST301' || /JWT/i.test(error.message)) return new StillframeError('sign-in-required', 'Your session has expired. Sign in again.');
    if (error.code === '42501') return new StillframeError('access-denied', error.message);
    return new StillframeError('internal', `The Supabase project answered: ${error.message}`);
  }

  /** "Sync this project": links it for the signed-in person and queues all of it; the push happens on the next run. */
  linkProject(projectId: string): void {
    const user = this.session.storedUser();
    if (!user) throw new StillframeError('sign-in-required', 'Sign in to your Supabase project first.');
    transaction(this.db, () => {
      const project = this.db.prepare('SELECT id FROM projects WHERE id = ?').get(projectId);
      if (!project) throw new StillframeError('not-found', 'That project no longer exists.');
      const linked = this.db.prepare('SELECT 1 FROM sync_projects WHERE project_id = ? AND user_id = ?').get(projectId, user.id);
      if (linked) return;
      this.db.prepare('INSERT OR REPLACE INTO sync_projects (project_id, user_id, last_pulled_seq, linked_at) VALUES (?, ?, 0, ?)').run(projectId, user.id, Date.now());
      queueWholeProject(this.db, projectId);
    });
    this.emit(true);
  }

  async cloudProjects(): Promise<CloudProject[]> {
    await this.session.session();
    const { data, error } = await (await this.session.supabase()).rpc('list_my_projects');
    if (error) throw this.requestError(error);
    const local = new Set((this.db.prepare('SELECT id FROM projects').all() as Row[]).map((row) => String(row.id)));
    return (data as { id: string; name: string; role: string | null }[]).map((row) => ({
      id: row.id,
      name: row.name,
      role: row.role ?? null,
      local: local.has(row.id),
    }));
  }

  /** Links a cloud project into this library and pulls it now. */
  async openCloudProject(projectId: string): Promise<SyncRun> {
    const user = this.session.storedUser();
    if (!user) throw new StillframeError('sign-in-required', 'Sign in to your Supabase project first.');
    this.db
      .prepare(
        'INSERT INTO sync_projects (project_id, user_id, last_pulled_seq, linked_at) VALUES (?, ?, 0, ?) ON CONFLICT (project_id) DO UPDATE SET user_id = excluded.user_id, unshared_at = NULL',
      )
      .run(projectId, user.id, Date.now());
    return this.run(projectId);
  }

  conflicts(): SyncConflict[] {
    return (this.db.prepare('SELECT * FROM sync_conflicts ORDER BY id DESC LIMIT 1000').all() as Row[]).map((row) => ({
      id: Number(row.id),
      projectId: row.project_id == null ? null : String(row.project_id),
      table: String(row.tbl),
      rowId: String(row.row_id),
      lost: JSON.parse(String(row.lost)) as Record<string, unknown>,
      reason: String(row.reason),
      at: Number(row.at),
    }));
  }

  rejections(): SyncRejection[] {
    return (this.db.prepare('SELECT * FROM sync_rejections ORDER BY id DESC LIMIT 1000').all() as Row[]).map((row) => ({
      id: Number(row.id),
      projectId: row.project_id == null ? null : String(row.project_id),
      table: String(row.tbl),
      rowId: String(row.row_id),
      op: String(row.op),
      code: String(row.code),
      message: String(row.message),
      at: Number(row.at),
    }));
  }

  dismiss(kind: 'conflict' | 'rejection', ids: readonly number[]): number {
    const table = kind === 'conflict' ? 'sync_conflicts' : 'sync_rejections';
    return transaction(this.db, () => {
      const remove = this.db.prepare(`DELETE FROM ${table} WHERE id = ?`);
      let removed = 0;
      for (const id of ids) removed += Number(remove.run(id).changes);
      return removed;
    });
  }

  /** Downloads a pulled frame's full image if only its thumbnail is here; false when there was nothing to fetch. */
  async fetchFrame(frameId: string): Promise<boolean> {
    const remote = this.db.prepare(`SELECT 1 FROM sync_files WHERE frame_id = ? AND kind = 'image' AND state = 'remote'`).get(frameId);
    if (!remote || this.session.storedUser() === null || !this.session.configured) return false;
    await this.session.session();
    return downloadFrameImage(await this.session.supabase(), this.db, this.paths, frameId);
  }

  async signIn(email: string, password: string): Promise<SyncStatus> {
    await this.session.signIn(email, password);
    this.state = 'idle';
    this.message = null;
    this.emit(true);
    this.schedule(0);
    return this.status();
  }

  async signOut(): Promise<SyncStatus> {
    this.live.follow([], null);
    await this.session.signOut();
    this.state = 'idle';
    this.message = null;
    this.emit(true);
    return this.status();
  }

  /** The channels follow the synced projects, in the hosts that stay up (never in a one-off CLI command). */
  private followLinked(): void {
    if (!this.started || this.closed) return;
    const user = this.session.storedUser();
    this.live.follow(user ? [...linkedProjectIds(this.db, user.id)] : [], user ? { userId: user.id, email: user.email } : null);
  }

  /** An announcement or a (re)join: pulls the project soon, coalescing whatever arrives while a pull runs. */
  requestPull(projectId: string): void {
    this.liveQueued.add(projectId);
    if (this.livePull || this.closed) return;
    this.livePull = (async () => {
      while (this.liveQueued.size > 0 && !this.closed) {
        const projects = [...this.liveQueued];
        this.liveQueued.clear();
        try {
          await this.pullLive(projects);
        } catch {
          // Offline or a server hiccup: the next announcement, rejoin or the loop's timer pulls it.
        }
      }
    })().finally(() => {
      this.livePull = null;
    });
  }

  /** Pushes what waits in the outbox, then the new frames' files; a change made meanwhile pushes again right after. */
  private pushSoon(): void {
    if (!this.started || this.closed || this.session.storedUser() === null || !this.session.configured) return;
    this.pushAgain = true;
    if (this.livePush) return;
    this.livePush = (async () => {
      while (this.pushAgain && !this.closed) {
        this.pushAgain = false;
        while (this.running) await this.running.catch(() => undefined);
        const waiting = this.db.prepare('SELECT EXISTS (SELECT 1 FROM outbox) OR EXISTS (SELECT 1 FROM push_ops) AS n').get();
        if (!Number(waiting?.n)) continue;
        try {
          await this.pushOutbox();
          const user = this.session.storedUser();
          if (user && !this.closed) await uploadPendingFiles(await this.session.supabase(), this.db, this.paths, [...linkedProjectIds(this.db, user.id)], () => undefined);
        } catch {
          // Offline or refused: the changes stay in the outbox and the loop's next run, with its backoff, sends them.
        }
        this.emit(true);
      }
    })().finally(() => {
      this.livePush = null;
    });
  }

  /** Pulls announced projects and their new thumbnails, then tells the views what changed. */
  private async pullLive(projects: readonly string[]): Promise<void> {
    const user = this.session.storedUser();
    if (!user) return;
    await this.session.session().then((session) => this.live.setAuth(session.access_token));
    const linked = linkedProjectIds(this.db, user.id);
    const wanted = projects.filter((projectId) => linked.has(projectId));
    if (wanted.length === 0) return;
    const client = await this.session.supabase();
    for (const projectId of wanted) {
      const pulled = await this.pullProjects([projectId]);
      const downloaded = this.closed ? 0 : await downloadRemoteThumbnails(client, this.db, this.paths, [projectId], this.thumbnailArrived);
      this.announceArrivals();
      if (this.closed) return;
      if (pulled + downloaded > 0) this.events.emit('library.changed', { entity: 'project', projectId, batchId: null });
      this.retryThumbnails(projectId);
    }
    this.followLinked();
    this.emit(true);
  }

  /**
   * A teammate's frame rows are pushed before their files go up, so their thumbnails may not be there yet when the
   * announcement is heard: pull again after 1, 2, 4, 8 s while some are missing.
   */
  private retryThumbnails(projectId: string): void {
    const missing = this.db.prepare(`SELECT 1 FROM sync_files WHERE project_id = ? AND kind = 'thumb' AND state = 'remote' LIMIT 1`).get(projectId);
    const previous = this.thumbRetries.get(projectId);
    if (previous) clearTimeout(previous.timer);
    const tries = previous ? previous.tries + 1 : 0;
    if (!missing || tries >= 4) {
      this.thumbRetries.delete(projectId);
      return;
    }
    const timer = setTimeout(() => this.requestPull(projectId), 1_000 * 2 ** tries);
    timer.unref();
    this.thumbRetries.set(projectId, { tries, timer });
  }

  /** The person is no longer a member: the project stops syncing here and the local copy stays. */
  private markUnshared(projectId: string): void {
    this.db.prepare('UPDATE sync_projects SET unshared_at = ?, role = NULL WHERE project_id = ? AND unshared_at IS NULL').run(Date.now(), projectId);
    this.db.prepare('DELETE FROM pull_inbox WHERE project_id = ?').run(projectId);
    this.followLinked();
    this.emit(true);
  }

  /** Where this person is, for the others in that project. */
  setPlace(place: Place | null): void {
    this.live.setPlace(place);
  }

  people(projectId: string): PresentPerson[] {
    return this.live.people(projectId);
  }
}
