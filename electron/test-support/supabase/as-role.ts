import type pg from 'pg';
import type { JwtClaims } from './jwt';

/**
 * Runs `work` in one transaction as the JWT's role with its claims set the way PostgREST sets them, so every
 * policy, `auth.uid()` and `auth.jwt()` sees what it would on Supabase. RLS is Postgres's; the stand-in decides nothing.
 */
export async function asRole<T>(pool: pg.Pool, claims: JwtClaims, work: (client: pg.PoolClient) => Promise<T>,
  settings: Record<string, string> = {}): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('begin');
    await client.query(
      `select set_config('role', $1, true), set_config('request.jwt.claims', $2, true),
              set_config('request.jwt.claim.sub', $3, true), set_config('request.jwt.claim.role', $1, true),
              set_config('search_path', 'public, extensions', true)`,
      [claims.role, JSON.stringify(claims), claims.sub ?? ''],
    );
    for (const [name, value] of Object.entries(settings)) {
      await client.query('select set_config($1, $2, true)', [name, value]);
    }
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (error) {
    // A connection that failed for any reason but an SQL error (cut, timed out) is not handed to the next request.
    broken = !isPgError(error);
    await client.query('rollback').catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}

/** A Postgres error as pg reports it; only the fields the stand-in turns into HTTP answers. */
export interface PgError {
  code: string;
  message: string;
  detail?: string;
  hint?: string;
}

export function isPgError(error: unknown): error is PgError {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string'
    && typeof (error as { message?: unknown }).message === 'string';
}
