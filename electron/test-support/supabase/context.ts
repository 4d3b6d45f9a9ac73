import type pg from 'pg';

/** What every part of the stand-in shares: one superuser pool (requests switch role inside their transaction). */
export interface StandInContext {
  pool: pg.Pool;
  /** Superuser connection string, for connections of their own (Realtime's LISTEN). */
  databaseUrl: string;
  jwtSecret: string;
  anonKey: string;
  serviceRoleKey: string;
  /** The GoTrue issuer, `<url>/auth/v1`. */
  issuer: string;
  /** Lifetime of new access tokens; tests shorten it to watch a session expire and refresh. */
  accessTokenSeconds: number;
  /** Where Storage keeps object bytes, `<dir>/<bucket>/<name>`. */
  storageDir: string;
}
