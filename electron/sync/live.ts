import { randomUUID } from 'node:crypto';
import type { RealtimeChannel, SupabaseClient } from '@supabase/supabase-js';
import type { Place, PresentPerson } from '../../shared/sharing-contract';

/** After a channel fails it is opened again after 0.5 s, doubling up to 30 s while it keeps failing. */
const firstRetryMs = 500;
const lastRetryMs = 30_000;

export interface LiveHooks {
  client(): Promise<SupabaseClient>;
  /** A fresh access token for Realtime (the session, renewed if it is near its end). */
  token(): Promise<string>;
  /** The project changed on the server, or the channel (re)joined: pull it. */
  changed(projectId: string): void;
  membersChanged(projectId: string): void;
  presence(projectId: string, people: PresentPerson[]): void;
}

interface Followed {
  projectId: string;
  channel: RealtimeChannel | null;
  retryMs: number;
  timer: NodeJS.Timeout | null;
  people: PresentPerson[];
}

/**
 * The private Realtime channel `project:<id>` of each synced project. The server announces every commit there (the
 * database does; clients may not broadcast), and members show where they are with Presence. An announcement only
 * says "pull": a missed one costs nothing, as every (re)join pulls too and the sync loop's timer is the backstop.
 * A channel that errors, times out or closes (sleep, a dropped network, an expired token) is removed and opened
 * afresh with a renewed token, so it comes back without a restart.
 */
export class LiveChannels {
  /** This machine's presence key: the same person on two machines shows twice, each with its own frame. */
  readonly key = randomUUID();
  private readonly followed = new Map<string, Followed>();
  private me: { userId: string; email: string | null } | null = null;
  private place: Place | null = null;
  private token: string | null = null;
  private stopped = false;
  /** Whether a channel was ever opened, so that there is a socket to close. */
  private opened = false;
  private readonly leaving = new Set<Promise<void>>();
  private readonly listeners = new Set<(projectId: string) => void>();

  constructor(private readonly hooks: LiveHooks) {}

  /** Hands Realtime the session's current access token; called with every session refresh. */
  async setAuth(token: string): Promise<void> {
    if (token === this.token) return;
    this.token = token;
    const client = await this.hooks.client();
    await client.realtime.setAuth(token);
  }

  /** Joins the channels of these projects and leaves the others. */
  follow(projectIds: readonly string[], me: { userId: string; email: string | null } | null): void {
    if (this.stopped) return;
    if (me?.userId !== this.me?.userId) this.leaveAll();
    this.me = me;
    const wanted = new Set(me ? projectIds : []);
    for (const projectId of [...this.followed.keys()]) if (!wanted.has(projectId)) this.leave(projectId);
    for (const projectId of wanted) {
      if (this.followed.has(projectId)) continue;
      const entry: Followed = { projectId, channel: null, retryMs: firstRetryMs, timer: null, people: [] };
      this.followed.set(projectId, entry);
      void this.open(entry);
    }
  }

  following(): string[] {
    return [...this.followed.keys()];
  }

  /** Whether the project's channel is joined now, so that its announcements arrive and nothing need poll for them. */
  joined(projectId: string): boolean {
    return this.followed.get(projectId)?.channel?.state === 'joined';
  }

  /** Calls `listener` with each announcement of a project and each (re)join, besides the pull; answers how to stop. */
  onAnnouncement(listener: (projectId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private announced(projectId: string): void {
    this.hooks.changed(projectId);
    for (const listener of this.listeners) listener(projectId);
  }

  /** Where this person is; tracked on that project's channel and dropped from the others. */
  setPlace(place: Place | null): void {
    this.place = place;
    for (const entry of this.followed.values()) void this.track(entry);
  }

  people(projectId: string): PresentPerson[] {
    return this.followed.get(projectId)?.people ?? [];
  }

  /**
   * Leaves every channel and closes Realtime's socket. realtime-js keeps an idle socket, and its heartbeat timer,
   * for two heartbeats (60 s) after its last channel goes, which kept `stillframe serve` from exiting for a minute
   * after Ctrl+C. Resolves once the channels are left and the socket is closed.
   */
  stop(): Promise<void> {
    this.stopped = true;
    this.leaveAll();
    if (!this.opened) return Promise.resolve();
    // The leaves first: one still waiting when the socket closes would hold its 10 s reply timer.
    return Promise.all([...this.leaving])
      .then(() => this.hooks.client())
      .then((client) => client.realtime.disconnect())
      .then(
        () => undefined,
        () => undefined,
      );
  }

  private leaveAll(): void {
    for (const projectId of [...this.followed.keys()]) this.leave(projectId);
  }

  private leave(projectId: string): void {
    const entry = this.followed.get(projectId);
    if (!entry) return;
    this.followed.delete(projectId);
    if (entry.timer) clearTimeout(entry.timer);
    const channel = entry.channel;
    entry.channel = null;
    if (channel) {
      const left = this.hooks.client().then((client) => client.removeChannel(channel)).then(
        () => undefined,
        () => undefined,
      );
      this.leaving.add(left);
      void left.then(() => this.leaving.delete(left));
    }
    if (entry.people.length > 0) this.hooks.presence(projectId, []);
  }

  private async open(entry: Followed): Promise<void> {
    let client: SupabaseClient;
    try {
      client = await this.hooks.client();
      this.opened = true;
      await this.setAuth(await this.hooks.token());
    } catch {
      // Offline or signed out for now: try again later, as for a channel that failed.
      this.retry(entry, null);
      return;
    }
    if (this.followed.get(entry.projectId) !== entry) return;
    const { projectId } = entry;
    const channel = client.channel(`project:${projectId}`, { config: { private: true, presence: { key: this.key, enabled: true } } });
    entry.channel = channel;
    channel
      .on('broadcast', { event: 'changed' }, () => this.announced(projectId))
      .on('broadcast', { event: 'members' }, () => {
        this.hooks.membersChanged(projectId);
        this.announced(projectId);
      })
      .on('presence', { event: 'sync' }, () => {
        if (entry.channel !== channel) return;
        entry.people = this.othersIn(channel);
        this.hooks.presence(projectId, entry.people);
      })
      .subscribe((status) => {
        if (entry.channel !== channel || this.followed.get(projectId) !== entry) return;
        if (status === 'SUBSCRIBED') {
          entry.retryMs = firstRetryMs;
          // Whatever was announced while the channel was away is pulled now.
          this.announced(projectId);
          void this.track(entry);
          return;
        }
        this.retry(entry, channel);
      });
  }

  private retry(entry: Followed, channel: RealtimeChannel | null): void {
    if (entry.timer || this.followed.get(entry.projectId) !== entry) return;
    entry.channel = null;
    if (channel) void this.hooks.client().then((client) => client.removeChannel(channel)).catch(() => undefined);
    if (entry.people.length > 0) {
      entry.people = [];
      this.hooks.presence(entry.projectId, []);
    }
    entry.timer = setTimeout(() => {
      entry.timer = null;
      if (this.followed.get(entry.projectId) === entry && !this.stopped) void this.open(entry);
    }, entry.retryMs);
    entry.timer.unref();
    entry.retryMs = Math.min(entry.retryMs * 2, lastRetryMs);
  }

  private async track(entry: Followed): Promise<void> {
    const channel = entry.channel;
    if (!channel || channel.state !== 'joined' || !this.me) return;
    const here = this.place?.projectId === entry.projectId ? this.place : null;
    try {
      if (here) {
        await channel.track({ user: this.me.userId, email: this.me.email, batchId: here.batchId, frameId: here.frameId });
      } else {
        await channel.untrack();
      }
    } catch {
      // A channel that dropped meanwhile tracks again when it rejoins.
    }
  }

  private othersIn(channel: RealtimeChannel): PresentPerson[] {
    const state = channel.presenceState<{ user?: string; email?: string | null; batchId?: string | null; frameId?: string | null }>();
    const people: PresentPerson[] = [];
    for (const [key, entries] of Object.entries(state)) {
      const latest = entries[entries.length - 1];
      if (key === this.key || !latest || typeof latest.user !== 'string') continue;
      people.push({ key, userId: latest.user, email: latest.email ?? null, batchId: latest.batchId ?? null, frameId: latest.frameId ?? null });
    }
    return people.sort((a, b) => (a.email ?? '').localeCompare(b.email ?? ''));
  }
}
