import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type * as SupabaseJs from '@supabase/supabase-js';
import type { Session, SupabaseClient, SupportedStorage } from '@supabase/supabase-js';
import { StillframeError } from '../../shared/errors';
import type { SyncSettings } from '../../shared/sync-contract';
import type { Database } from '../library/database';
import type { SecretStore } from '../settings/secret-store';

/** Where a host without Electron's safeStorage keeps the session: plainly named for what it is. */
export const plainSessionFile = 'supabase-session.UNENCRYPTED.json';

/** The oldest `stillframe_schema_version()` this app syncs with. */
export const requiredSchemaVersion = 1;

export const syncMessages = {
  notConfigured: 'Enter your Supabase project’s URL and anon key in Settings (or set SUPABASE_URL and SUPABASE_ANON_KEY) first.',
  signedOut: 'Sign in to your Supabase project to sync.',
  wrongPassword: 'That email and password do not match an account on this Supabase project.',
  notConfirmed: 'Confirm your email address first: Supabase sent a link to it.',
  expired: 'Your session has expired and could not be renewed. Sign in again.',
  unreachable: (url: string) => `Can’t reach ${url}. Check the address and your connection; Stillframe keeps your changes and retries.`,
  noTables:
    'This Supabase project does not have Stillframe’s tables yet. From the Stillframe folder run `supabase link --project-ref <your-project-ref>` then `supabase db push` (or paste supabase/migrations/*.sql into the SQL editor), then sync again.',
  oldTables: (found: number) =>
    `This Supabase project has Stillframe’s tables from an older version (schema ${found}; this app needs ${requiredSchemaVersion}). Run \`supabase db push\` from the Stillframe folder to update them.`,
} as const;

/** The session as one JSON map (supabase-js's storage keys to values), kept encrypted or in the marked plain file. */
function sessionStorage(secrets: SecretStore, libraryDir: string): { storage: SupportedStorage; kind: 'encrypted' | 'plain-file' } {
  const file = path.join(libraryDir, plainSessionFile);
  const encrypted = secrets.unavailableReason() === null;
  const readAll = (): Record<string, string> => {
    if (encrypted) {
      const saved = secrets.read('supabase-session');
      return saved.state === 'saved' ? (JSON.parse(saved.value) as Record<string, string>) : {};
    }
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
  };
  const writeAll = (values: Record<string, string>) => {
    if (encrypted) {
      if (Object.keys(values).length === 0) secrets.remove('supabase-session');
      else secrets.write('supabase-session', JSON.stringify(values));
      return;
    }
    if (Object.keys(values).length === 0) {
      rmSync(file, { force: true });
      return;
    }
    // Written whole then renamed, so a crash never leaves half a session behind.
    writeFileSync(`${file}.tmp`, JSON.stringify(values), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  };
  return {
    kind: encrypted ? 'encrypted' : 'plain-file',
    storage: {
      getItem: (key) => readAll()[key] ?? null,
      setItem: (key, value) => writeAll({ ...readAll(), [key]: value }),
      removeItem: (key) => {
        const values = readAll();
        delete values[key];
        writeAll(values);
      },
    },
  };
}

// supabase-js is loaded on first use: every CLI command would otherwise pay for compiling it at each start.
let supabaseModule: Promise<typeof SupabaseJs> | null = null;
const loadSupabase = () => (supabaseModule ??= import('@supabase/supabase-js'));

/**
 * fetch, sending a request once more when its connection broke before any answer. The usual cause is a kept-alive
 * socket the server closed while this process was busy (a long write to the library blocks the event loop, so the
 * close is only seen when the socket is reused). Only bodies that can be sent twice are: every rpc and auth call;
 * a streamed upload fails and is retried by the next sync. Both sync functions are safe to repeat (op ids).
 */
const retryingFetch: typeof fetch = async (input, init) => {
  try {
    return await globalThis.fetch(input, init);
  } catch (error) {
    const body = init?.body;
    if (!(error instanceof TypeError) || !(body == null || typeof body === 'string')) throw error;
    return globalThis.fetch(input, init);
  }
};

/** An error from supabase-js's auth client with the server's error code (invalid_credentials, ...). */
function authCode(error: unknown): string | undefined {
  return (error as { code?: string }).code;
}

function isUnreachable(error: unknown): boolean {
  if ((error as { name?: string }).name === 'AuthRetryableFetchError') return true;
  const e = error as { message?: string; status?: number; name?: string };
  return e.status === 0 || /fetch failed|ECONNREFUSED|ENOTFOUND|network|socket|terminated/i.test(`${e.name ?? ''} ${e.message ?? ''}`);
}

/**
 * The one owner of the Supabase session for a library (Electron main process, the browser host, the CLI). supabase-js
 * keeps it through our storage adapter; its auth client runs one refresh at a time and hands every concurrent caller
 * that refresh's result (its `lock` option is deprecated for exactly that), so two syncs in this process never spend
 * the same refresh token twice. Being offline never signs anyone out: only a refresh the server refuses does.
 */
export class SyncSession {
  private client: SupabaseClient | null = null;
  private clientKey = '';
  private readonly store: ReturnType<typeof sessionStorage>;

  constructor(
    private readonly db: Database,
    secrets: SecretStore,
    libraryDir: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.store = sessionStorage(secrets, libraryDir);
  }

  get storageKind(): 'encrypted' | 'plain-file' {
    return this.store.kind;
  }

  settings(): SyncSettings {
    const saved = (key: string) => {
      const row = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(key);
      return row ? String(row.value) : null;
    };
    const fromEnvironment = Boolean(this.env.SUPABASE_URL && this.env.SUPABASE_ANON_KEY);
    return fromEnvironment
      ? { url: this.env.SUPABASE_URL ?? null, anonKey: this.env.SUPABASE_ANON_KEY ?? null, fromEnvironment }
      : { url: saved('supabase.url'), anonKey: saved('supabase.anonKey'), fromEnvironment };
  }

  saveSettings(url: string, anonKey: string): SyncSettings {
    const put = this.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    put.run('supabase.url', url.replace(/\/+$/, ''));
    put.run('supabase.anonKey', anonKey);
    return this.settings();
  }

  get configured(): boolean {
    const { url, anonKey } = this.settings();
    return Boolean(url && anonKey);
  }

  /** The supabase-js client for the current settings; made again when they change. */
  async supabase(): Promise<SupabaseClient> {
    const { createClient } = await loadSupabase();
    const { url, anonKey } = this.settings();
    if (!url || !anonKey) throw new StillframeError('sync-not-set-up', syncMessages.notConfigured);
    const key = `${url}\n${anonKey}`;
    if (!this.client || key !== this.clientKey) {
      this.client = createClient(url, anonKey, {
        auth: {
          storage: this.store.storage,
          storageKey: 'stillframe-supabase-session',
          persistSession: true,
          // Refreshed when a sync asks for the session (getSession refreshes a token near its expiry), not by a ticker
          // that would keep the CLI alive.
          autoRefreshToken: false,
          detectSessionInUrl: false,
        },
        global: { fetch: retryingFetch },
      });
      this.clientKey = key;
    }
    return this.client;
  }

  /** Who is signed in, from the stored session, without asking the network. */
  storedUser(): { id: string; email: string | null } | null {
    const raw = this.store.storage.getItem('stillframe-supabase-session');
    if (typeof raw !== 'string') return null;
    const session = JSON.parse(raw) as { user?: { id: string; email?: string } };
    return session.user ? { id: session.user.id, email: session.user.email ?? null } : null;
  }

  private unreachable(): StillframeError {
    return new StillframeError('network', syncMessages.unreachable(this.settings().url ?? 'the Supabase project'));
  }

  async signIn(email: string, password: string): Promise<void> {
    const { error } = await (await this.supabase()).auth.signInWithPassword({ email, password });
    if (!error) return;
    if (isUnreachable(error)) throw this.unreachable();
    if (authCode(error) === 'email_not_confirmed') throw new StillframeError('access-denied', syncMessages.notConfirmed);
    if (authCode(error) === 'invalid_credentials' || error.status === 400) {
      throw new StillframeError('access-denied', syncMessages.wrongPassword);
    }
    throw new StillframeError('access-denied', `Supabase refused the sign-in: ${error.message}`);
  }

  /** Returns whether the account still needs its email confirmed before it can sign in. */
  async signUp(email: string, password: string): Promise<{ needsConfirmation: boolean }> {
    const { data, error } = await (await this.supabase()).auth.signUp({ email, password });
    if (error) {
      if (isUnreachable(error)) throw this.unreachable();
      if (error.code === 'user_already_exists') throw new StillframeError('conflict', 'An account with that email already exists. Sign in instead.');
      if (error.code === 'weak_password') throw new StillframeError('invalid-input', `Choose a stronger password: ${error.message}`);
      throw new StillframeError('access-denied', `Supabase refused the sign-up: ${error.message}`);
    }
    return { needsConfirmation: data.session === null };
  }

  /** Signs out here even when the server cannot be reached: the session is forgotten on this machine either way. */
  async signOut(): Promise<void> {
    if (!this.configured) return;
    await (await this.supabase()).auth.signOut({ scope: 'local' });
    this.store.storage.removeItem('stillframe-supabase-session');
  }

  /**
   * A session with a fresh access token, refreshed now if it is about to expire. Unreachable: 'network' (the session
   * stays); refused refresh: 'sign-in-required' with the expired-session message.
   */
  async session(): Promise<Session> {
    const hadUser = this.storedUser() !== null;
    if (!hadUser) throw new StillframeError('sign-in-required', syncMessages.signedOut);
    const { data, error } = await (await this.supabase()).auth.getSession();
    if (error && isUnreachable(error)) throw this.unreachable();
    if (!data.session || error) throw new StillframeError('sign-in-required', syncMessages.expired);
    return data.session;
  }

  /** Refuses a project without Stillframe's tables, with the command that adds them. */
  async checkSchema(): Promise<void> {
    const { data, error, status } = await (await this.supabase()).rpc('stillframe_schema_version');
    if (error) {
      if (isUnreachable(error) || status === 0) throw this.unreachable();
      if (status === 404 || error.code === 'PGRST202' || error.code === '42883') throw new StillframeError('sync-not-set-up', syncMessages.noTables);
      throw new StillframeError('sync-not-set-up', `Stillframe could not check this Supabase project: ${error.message}`);
    }
    if (Number(data) < requiredSchemaVersion) throw new StillframeError('sync-not-set-up', syncMessages.oldTables(Number(data)));
  }

  isUnreachable(error: unknown): boolean {
    return isUnreachable(error);
  }
}
