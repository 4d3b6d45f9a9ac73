import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type pg from 'pg';
import type { StandInContext } from './context';
import { BadBody, bearerToken, isObject, readJson, sendJson } from './http';
import { signJwt, verifyJwt, type JwtClaims } from './jwt';

/** How long a rotated refresh token may still be used (GoTrue's refresh_token_reuse_interval), for racing tabs. */
const reuseIntervalMs = 10_000;

class AuthError extends Error {
  constructor(readonly status: number, readonly errorCode: string, message: string, readonly extra: object = {}) {
    super(message);
  }
}

/** The API version a client asked for, which GoTrue echoes back (auth-js sends 2024-01-01). */
function versionHeaders(req: IncomingMessage): Record<string, string> {
  return (req.headers['x-supabase-api-version'] ?? '') >= '2024-01-01' ? { 'x-supabase-api-version': '2024-01-01' } : {};
}

/** GoTrue answers clients that ask for API version 2024-01-01 with `{code, message}`, others with the legacy shape. */
function sendAuthError(req: IncomingMessage, res: ServerResponse, error: AuthError): void {
  const headers = versionHeaders(req);
  const body = headers['x-supabase-api-version']
    ? { code: error.errorCode, message: error.message }
    : { code: error.status, error_code: error.errorCode, msg: error.message, ...error.extra };
  sendJson(res, error.status, body, headers);
}

interface UserRow {
  id: string;
  email: string;
  raw_user_meta_data: Record<string, unknown> | null;
  raw_app_meta_data: Record<string, unknown> | null;
  email_confirmed_at: Date | null;
  last_sign_in_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const userColumns = 'id, email, raw_user_meta_data, raw_app_meta_data, email_confirmed_at, last_sign_in_at, created_at, updated_at';

function userJson(user: UserRow) {
  return {
    id: user.id,
    aud: 'authenticated',
    role: 'authenticated',
    email: user.email,
    email_confirmed_at: user.email_confirmed_at?.toISOString() ?? null,
    phone: '',
    confirmed_at: user.email_confirmed_at?.toISOString() ?? null,
    last_sign_in_at: user.last_sign_in_at?.toISOString() ?? null,
    app_metadata: user.raw_app_meta_data ?? { provider: 'email', providers: ['email'] },
    user_metadata: user.raw_user_meta_data ?? {},
    identities: [],
    created_at: user.created_at.toISOString(),
    updated_at: user.updated_at.toISOString(),
    is_anonymous: false,
  };
}

async function issueSession(ctx: StandInContext, db: pg.ClientBase, user: UserRow, sessionId: string, refreshToken: string) {
  const now = Math.floor(Date.now() / 1000);
  const expiresIn = ctx.accessTokenSeconds;
  const claims: JwtClaims = {
    iss: ctx.issuer,
    sub: user.id,
    aud: 'authenticated',
    exp: now + expiresIn,
    iat: now,
    email: user.email,
    phone: '',
    app_metadata: user.raw_app_meta_data ?? { provider: 'email', providers: ['email'] },
    user_metadata: user.raw_user_meta_data ?? {},
    role: 'authenticated',
    aal: 'aal1',
    amr: [{ method: 'password', timestamp: now }],
    session_id: sessionId,
    is_anonymous: false,
  };
  await db.query('update auth.users set last_sign_in_at = now() where id = $1', [user.id]);
  return {
    access_token: signJwt(claims, ctx.jwtSecret),
    token_type: 'bearer',
    expires_in: expiresIn,
    expires_at: now + expiresIn,
    refresh_token: refreshToken,
    user: userJson({ ...user, last_sign_in_at: new Date() }),
  };
}

const newRefreshToken = () => randomBytes(16).toString('base64url');

async function startSession(ctx: StandInContext, db: pg.ClientBase, user: UserRow) {
  const sessionId = randomUUID();
  const token = newRefreshToken();
  await db.query('insert into auth.sessions (id, user_id) values ($1, $2)', [sessionId, user.id]);
  await db.query('insert into auth.refresh_tokens (token, user_id, session_id, revoked) values ($1, $2, $3, false)', [token, user.id, sessionId]);
  return issueSession(ctx, db, user, sessionId, token);
}

async function inTransaction<T>(pool: pg.Pool, work: (db: pg.PoolClient) => Promise<T>): Promise<T> {
  const db = await pool.connect();
  try {
    await db.query('begin');
    const result = await work(db);
    await db.query('commit');
    return result;
  } catch (error) {
    await db.query('rollback').catch(() => {});
    throw error;
  } finally {
    db.release();
  }
}

function credentials(body: unknown): { email: string; password: string } {
  const email = isObject(body) && typeof body.email === 'string' ? body.email.trim().toLowerCase() : '';
  const password = isObject(body) && typeof body.password === 'string' ? body.password : '';
  return { email, password };
}

async function signUp(ctx: StandInContext, body: unknown) {
  const { email, password } = credentials(body);
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
    throw new AuthError(400, 'validation_failed', 'Unable to validate email address: invalid format');
  }
  if (password.length < 6) {
    throw new AuthError(422, 'weak_password', 'Password should be at least 6 characters.', { weak_password: { reasons: ['length'] } });
  }
  const metadata = isObject(body) && isObject(body.data) ? body.data : {};
  // Autoconfirm, as a project with "Confirm email" off: sign-up answers with a session.
  return inTransaction(ctx.pool, async (db) => startSession(ctx, db, await insertUser(db, email, password, metadata, true)));
}

async function insertUser(db: pg.ClientBase, email: string, password: string, metadata: Record<string, unknown>, confirmed: boolean): Promise<UserRow> {
  const existing = await db.query('select 1 from auth.users where lower(email) = $1', [email]);
  if (existing.rowCount) throw new AuthError(422, 'user_already_exists', 'User already registered');
  const inserted = await db.query<UserRow>(
    `insert into auth.users (id, aud, role, email, encrypted_password, email_confirmed_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
     values ($1, 'authenticated', 'authenticated', $2, crypt($3, gen_salt('bf')), case when $6 then now() end, $4, $5, now(), now())
     returning ${userColumns}`,
    [randomUUID(), email, password, JSON.stringify({ provider: 'email', providers: ['email'] }), JSON.stringify(metadata), confirmed],
  );
  return inserted.rows[0]!;
}

/** `auth.admin.createUser` / `deleteUser`: only with the service_role key, as GoTrue's admin API. */
async function admin(ctx: StandInContext, req: IncomingMessage, route: string): Promise<{ status: number; body: unknown }> {
  const token = bearerToken(req);
  const checked = token ? verifyJwt(token, ctx.jwtSecret) : undefined;
  if (!checked || 'error' in checked || checked.claims.role !== 'service_role') {
    throw new AuthError(403, 'not_admin', 'User not allowed');
  }
  const id = route.slice('/admin/users'.length).replace(/^\//, '');
  if (req.method === 'POST' && !id) {
    const body = await readJson(req);
    const { email, password } = credentials(body);
    if (!email) throw new AuthError(400, 'validation_failed', 'Unable to validate email address: invalid format');
    const metadata = isObject(body) && isObject(body.user_metadata) ? body.user_metadata : {};
    const user = await inTransaction(ctx.pool, (db) => insertUser(db, email, password || randomUUID(), metadata, isObject(body) && body.email_confirm === true));
    return { status: 200, body: userJson(user) };
  }
  if (req.method === 'DELETE' && id) {
    const removed = await ctx.pool.query<UserRow>(`delete from auth.users where id = $1 returning ${userColumns}`, [id]);
    if (!removed.rowCount) throw new AuthError(404, 'user_not_found', 'User not found');
    return { status: 200, body: userJson(removed.rows[0]!) };
  }
  throw new AuthError(404, 'not_found', 'Not Found');
}

async function passwordGrant(ctx: StandInContext, body: unknown) {
  const { email, password } = credentials(body);
  if (!email || !password) throw new AuthError(400, 'validation_failed', 'missing email or phone');
  return inTransaction(ctx.pool, async (db) => {
    const found = await db.query<UserRow>(
      `select ${userColumns} from auth.users where lower(email) = $1 and encrypted_password = crypt($2, encrypted_password)`,
      [email, password],
    );
    if (!found.rowCount) throw new AuthError(400, 'invalid_credentials', 'Invalid login credentials');
    if (!found.rows[0]!.email_confirmed_at) throw new AuthError(400, 'email_not_confirmed', 'Email not confirmed');
    return startSession(ctx, db, found.rows[0]!);
  });
}

async function refreshGrant(ctx: StandInContext, body: unknown) {
  const token = isObject(body) && typeof body.refresh_token === 'string' ? body.refresh_token : '';
  if (!token) throw new AuthError(400, 'validation_failed', 'Refresh Token is missing');
  return inTransaction(ctx.pool, async (db) => {
    const found = await db.query<{ id: string; user_id: string; session_id: string; revoked: boolean; updated_at: Date }>(
      'select id, user_id, session_id, revoked, updated_at from auth.refresh_tokens where token = $1 for update', [token]);
    const row = found.rows[0];
    if (!row || !row.session_id) throw new AuthError(400, 'refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found');
    const user = await db.query<UserRow>(`select ${userColumns} from auth.users where id = $1`, [row.user_id]);
    if (!user.rowCount) throw new AuthError(400, 'refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found');
    if (row.revoked) {
      const child = await db.query<{ token: string }>(
        'select token from auth.refresh_tokens where parent = $1 and not revoked order by id desc limit 1', [token]);
      if (Date.now() - row.updated_at.getTime() > reuseIntervalMs || !child.rowCount) {
        // A stolen token being replayed: GoTrue ends the whole session.
        await db.query('update auth.refresh_tokens set revoked = true where session_id = $1', [row.session_id]);
        throw new AuthError(400, 'refresh_token_already_used', 'Invalid Refresh Token: Already Used');
      }
      return issueSession(ctx, db, user.rows[0]!, row.session_id, child.rows[0]!.token);
    }
    const next = newRefreshToken();
    await db.query('update auth.refresh_tokens set revoked = true, updated_at = now() where id = $1', [row.id]);
    await db.query('insert into auth.refresh_tokens (token, user_id, session_id, parent, revoked) values ($1, $2, $3, $4, false)',
      [next, row.user_id, row.session_id, token]);
    return issueSession(ctx, db, user.rows[0]!, row.session_id, next);
  });
}

/** The signed-in caller of /user and /logout: a valid user JWT whose session still exists. */
async function sessionCaller(ctx: StandInContext, req: IncomingMessage): Promise<JwtClaims> {
  const token = req.headers.authorization?.toLowerCase().startsWith('bearer ') ? bearerToken(req) : undefined;
  if (!token) throw new AuthError(401, 'no_authorization', 'This endpoint requires a valid Bearer token');
  const checked = verifyJwt(token, ctx.jwtSecret);
  if ('error' in checked) {
    const why = checked.error === 'expired' ? 'token has invalid claims: token is expired' : 'signature is invalid';
    throw new AuthError(403, 'bad_jwt', `invalid JWT: unable to parse or verify signature, ${why}`);
  }
  const { claims } = checked;
  if (!claims.sub || !claims.session_id) throw new AuthError(403, 'bad_jwt', 'invalid claim: missing sub claim');
  const session = await ctx.pool.query('select 1 from auth.sessions where id = $1', [claims.session_id]);
  if (!session.rowCount) throw new AuthError(403, 'session_not_found', 'Session from session_id claim in JWT does not exist');
  return claims;
}

/** `/auth/v1/*`: the GoTrue endpoints supabase-js's email+password sign-in uses. */
export async function handleAuth(ctx: StandInContext, req: IncomingMessage, res: ServerResponse, route: string, url: URL) {
  const versionHeader = versionHeaders(req);
  try {
    if (req.method === 'POST' && route === '/signup') {
      return sendJson(res, 200, await signUp(ctx, await readJson(req)), versionHeader);
    }
    if (req.method === 'POST' && route === '/token') {
      const grant = url.searchParams.get('grant_type');
      const body = await readJson(req);
      if (grant === 'password') return sendJson(res, 200, await passwordGrant(ctx, body), versionHeader);
      if (grant === 'refresh_token') return sendJson(res, 200, await refreshGrant(ctx, body), versionHeader);
      throw new AuthError(400, 'unsupported_grant_type', 'unsupported_grant_type');
    }
    if (req.method === 'GET' && route === '/user') {
      const claims = await sessionCaller(ctx, req);
      const user = await ctx.pool.query<UserRow>(`select ${userColumns} from auth.users where id = $1`, [claims.sub]);
      if (!user.rowCount) throw new AuthError(403, 'user_not_found', 'User from sub claim in JWT does not exist');
      return sendJson(res, 200, userJson(user.rows[0]!), versionHeader);
    }
    if (req.method === 'POST' && route === '/logout') {
      const claims = await sessionCaller(ctx, req);
      const scope = url.searchParams.get('scope') ?? 'global';
      if (scope === 'local') await ctx.pool.query('delete from auth.sessions where id = $1', [claims.session_id]);
      else if (scope === 'others') await ctx.pool.query('delete from auth.sessions where user_id = $1 and id <> $2', [claims.sub, claims.session_id]);
      else await ctx.pool.query('delete from auth.sessions where user_id = $1', [claims.sub]);
      res.writeHead(204, versionHeader).end();
      return;
    }
    if (route === '/admin/users' || route.startsWith('/admin/users/')) {
      const answer = await admin(ctx, req, route);
      return sendJson(res, answer.status, answer.body, versionHeader);
    }
    if (req.method === 'GET' && route === '/settings') {
      return sendJson(res, 200, { external: { email: true }, disable_signup: false, mailer_autoconfirm: true, phone_autoconfirm: false }, versionHeader);
    }
    throw new AuthError(404, 'not_found', 'Not Found');
  } catch (error) {
    if (error instanceof AuthError) return sendAuthError(req, res, error);
    if (error instanceof BadBody) return sendAuthError(req, res, new AuthError(400, 'bad_json', error.message));
    throw error;
  }
}
