import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { StillframeError } from '../../shared/errors';
import { syncMessages } from '../sync/session';

/** The oldest `stillframe_schema_version()` with the processing queue. */
export const workerSchemaVersion = 3;

export interface WorkerCredentials {
  url: string;
  anonKey: string;
  email: string;
  password: string;
}

/** SUPABASE_URL, SUPABASE_ANON_KEY, STILLFRAME_EMAIL and STILLFRAME_PASSWORD, each required, named when missing. */
export function workerCredentialsFromEnv(env: NodeJS.ProcessEnv): WorkerCredentials {
  const names = ['SUPABASE_URL', 'SUPABASE_ANON_KEY', 'STILLFRAME_EMAIL', 'STILLFRAME_PASSWORD'] as const;
  const missing = names.filter((name) => !env[name]?.trim());
  if (missing.length > 0) {
    throw new StillframeError('invalid-input', `A worker needs ${missing.join(', ')} in its environment (the worker account’s own email and password, never a service key).`);
  }
  return {
    url: (env.SUPABASE_URL ?? '').replace(/\/+$/, ''),
    anonKey: env.SUPABASE_ANON_KEY ?? '',
    email: (env.STILLFRAME_EMAIL ?? '').trim(),
    password: env.STILLFRAME_PASSWORD ?? '',
  };
}

/**
 * Signs the worker in as its own user. The session lives in memory only (a server restarts the worker, which signs
 * in again) and refreshes itself while the worker runs.
 */
export async function signInWorker(credentials: WorkerCredentials): Promise<SupabaseClient> {
  const client = createClient(credentials.url, credentials.anonKey, {
    auth: { persistSession: false, autoRefreshToken: true, detectSessionInUrl: false },
  });
  const { error } = await client.auth.signInWithPassword({ email: credentials.email, password: credentials.password });
  if (error) {
    client.auth.stopAutoRefresh();
    if (error.name === 'AuthRetryableFetchError' || error.status === 0) throw new StillframeError('network', syncMessages.unreachable(credentials.url));
    if (error.code === 'email_not_confirmed') throw new StillframeError('access-denied', syncMessages.notConfirmed);
    throw new StillframeError('access-denied', syncMessages.wrongPassword);
  }
  const { data, error: schemaError } = await client.rpc('stillframe_schema_version');
  if (schemaError || Number(data) < workerSchemaVersion) {
    client.auth.stopAutoRefresh();
    throw new StillframeError(
      'sync-not-set-up',
      schemaError
        ? syncMessages.noTables
        : `This Supabase project has no processing queue yet (schema ${String(data)}; workers need ${workerSchemaVersion}). Run \`supabase db push\` from the Stillframe folder.`,
    );
  }
  return client;
}
