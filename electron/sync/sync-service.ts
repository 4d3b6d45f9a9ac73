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
import { downloadFrameImage, downloadRemoteThumbnails, filesWaiting, uploadPendingFiles } from './files';
import { applyInbox, pullPageSize, storePulledPage } from './pull';
import { acknowledgePush, clientIdFor, linkedProjectIds, preparePush, queueWholeProject } from './push';
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

  constructor(options: SyncServiceOptions) {
    this.db = options.db;
    this.paths = options.paths;
    this.events = options.events;
    this.session = new SyncSession(options.db, options.secrets, options.paths.root, options.env);
  }

  /** Runs now, then on the timer; the app and `serve` call this, the CLI syncs once. */
  start(): void {
    this.started = true;
    this.schedule(0);
  }

  /** For closing the library: no more runs, and no more status reads. */
  stop(): void {
    this.started = false;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.emitTimer) clearTimeout(this.emitTimer);
    this.timer = null;
    this.emitTimer = null;
  }

  /** Resolves once the run in progress, if any, is over (for closing the library). */
  async idle(): Promise<void> {
    await this.running?.catch(() => undefined);
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

  private setProgress(projectId: string | null, value: number): void {
    this.progress = { projectId, value };
    this.emit();
  }

  status(): SyncStatus {
    const user = this.session.storedUser();
    const linked = user ? this.db.prepare('SELECT project_id, last_synced_at FROM sync_projects WHERE user_id = ?').all(user.id) : [];
    const waiting = waitingByProject(this.db);
    const files = filesWaiting(this.db);
    const projects: ProjectSync[] = (this.db.prepare('SELECT id FROM projects ORDER BY id').all() as Row[]).map((row) => {
      const projectId = String(row.id);
      const link = linked.find((item) => item.project_id === projectId);
      const rows = waiting.get(projectId) ?? 0;
      const filesLeft = files.get(projectId) ?? 0;
      if (!link) return { projectId, state: 'local', waiting: rows, filesWaiting: 0, progress: null, message: null, lastSyncedAt: null };
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
        lastSyncedAt: link.last_synced_at == null ? null : Number(link.last_synced_at),
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
        storePulledPage(this.db, projectId, page);
        pulled += page.rows.length;
        const more = page.more && page.next > after;
        // The next page is asked for before this one is applied, so the server works while the library writes.
        if (more) {
          after = page.next;
          next = ask(after);
          next.catch(() => undefined);
        }
        await applyInbox(this.db, this.paths, projectId);
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
    const downloaded = await downloadRemoteThumbnails(client, this.db, this.paths, projects);
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
      .prepare('INSERT INTO sync_projects (project_id, user_id, last_pulled_seq, linked_at) VALUES (?, ?, 0, ?) ON CONFLICT (project_id) DO UPDATE SET user_id = excluded.user_id')
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
    await this.session.signOut();
    this.state = 'idle';
    this.message = null;
    this.emit(true);
    return this.status();
  }
}
